package dev.fdcapture.internal.posix;

/**
 * The raw libc calls fdcapture makes, one method per call, behind which sit two
 * backends: the FFM API on Java 22+ ({@code FfmPosix}) and JNA on 17-21
 * ({@link JnaPosix}). Chosen once, by {@link Backend}.
 *
 * <p>Every method returns what the C function returns, except that a failure is
 * reported as {@code -errno} (the way the kernel itself reports it), read right
 * after the call on the calling thread. Nothing here retries, throws for an OS
 * failure, or builds a message: {@link Libc} does that once for both backends.
 * Memory is passed as addresses of {@link NativeBuffer}s made by {@link #allocate}.
 *
 * <p>Types follow LP64 Linux ({@code size_t}, {@code ssize_t}, {@code off_t} are
 * 64-bit), which covers x86_64 and aarch64.
 */
public interface Posix {
    /** Which backend this is, for messages: {@code ffm} or {@code jna}. */
    String name();

    /** Native memory of {@code bytes} bytes, freed when the buffer is unreachable. */
    NativeBuffer allocate(int bytes);

    /** {@code ssize_t write(int fd, const void *buf, size_t count)}, man 2 write. */
    long write(int fd, long buf, long count);

    /** {@code ssize_t read(int fd, void *buf, size_t count)}, man 2 read. */
    long read(int fd, long buf, long count);

    /** {@code ssize_t pread(int fd, void *buf, size_t count, off_t offset)}, man 2 pread. */
    long pread(int fd, long buf, long count, long offset);

    /**
     * {@code pread} of a file that never blocks (a memfd) into {@code array[0, count)}.
     * A backend may write straight into the array (FFM's critical calls) or copy.
     */
    long preadArray(int fd, byte[] array, int count, long offset);

    /** {@code int close(int fd)}, man 2 close. */
    int close(int fd);

    /** {@code int dup2(int oldfd, int newfd)}, man 2 dup2. */
    int dup2(int oldfd, int newfd);

    /** {@code int fcntl(int fd, int cmd, int arg)}, man 2 fcntl. */
    int fcntl(int fd, int cmd, int arg);

    /** {@code int fcntl(int fd, int cmd, void *arg)}, man 2 fcntl (for {@code struct flock}). */
    int fcntlPointer(int fd, int cmd, long arg);

    /** {@code int open(const char *path, int flags, mode_t mode)}, man 2 open. */
    int open(String path, int flags, int mode);

    /** {@code int memfd_create(const char *name, unsigned int flags)}, man 2 memfd_create. */
    int memfdCreate(String name, int flags);

    /** {@code int inotify_init1(int flags)}, man 2 inotify_init1. */
    int inotifyInit1(int flags);

    /** {@code int inotify_add_watch(int fd, const char *path, uint32_t mask)}, man 2 inotify_add_watch. */
    int inotifyAddWatch(int fd, String path, int mask);

    /** {@code int inotify_rm_watch(int fd, int wd)}, man 2 inotify_rm_watch. */
    int inotifyRmWatch(int fd, int wd);

    /** {@code int fallocate(int fd, int mode, off_t offset, off_t len)}, man 2 fallocate. */
    int fallocate(int fd, int mode, long offset, long len);

    /** {@code off_t lseek(int fd, off_t offset, int whence)}, man 2 lseek. */
    long lseek(int fd, long offset, int whence);

    /** {@code int fchmod(int fd, mode_t mode)}, man 2 fchmod. */
    int fchmod(int fd, int mode);

    /** {@code fflush(NULL)}, man 3 fflush: every stdio output stream. */
    int fflushAll();

    /**
     * {@code fflush(stdout)}, then {@code fflush(stderr)} (the streams as the
     * variables name them at the call), man 3 fflush; the first failure, else 0.
     */
    int fflushStdStreams();

    /** {@code char *strerror(int errnum)}, man 3 strerror, as a Java string. */
    String strerror(int errno);
}
