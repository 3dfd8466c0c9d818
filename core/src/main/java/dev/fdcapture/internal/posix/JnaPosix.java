package dev.fdcapture.internal.posix;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * {@link Posix} through JNA's direct mapping (Java 17-21, or any version with
 * {@code -Ddev.fdcapture.backend=jna}): each call is a static {@code native}
 * method of {@link C}, bound to libc when the backend is made, so linking
 * happens before any redirection. errno is {@link Native#getLastError()}, which
 * JNA saves right after every call on the calling thread.
 *
 * <p>Direct mapping has no varargs: {@code open} and {@code fcntl} are bound
 * with their one variadic argument as a fixed one, which passes it in the same
 * register on the LP64 Linux ABIs (x86_64, aarch64) that fdcapture supports.
 */
final class JnaPosix implements Posix {
    /** Per thread, the buffer {@link #preadArray} reads through: JNA would copy the whole array both ways. */
    private static final ThreadLocal<Memory> SCRATCH = new ThreadLocal<>();

    JnaPosix() {
        C.link();
    }

    /** The libc functions, direct-mapped. */
    private static final class C {
        private static final NativeLibrary LIBRARY = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME);
        /** The variables {@code stdout} and {@code stderr} (not the streams: a program may assign them). */
        static final Pointer STDOUT = LIBRARY.getGlobalVariableAddress("stdout");
        static final Pointer STDERR = LIBRARY.getGlobalVariableAddress("stderr");

        static {
            Native.register(C.class, LIBRARY);
        }

        static void link() {
            // Class initialization did the work.
        }

        static native long write(int fd, Pointer buf, long count);

        static native long read(int fd, Pointer buf, long count);

        static native long pread(int fd, Pointer buf, long count, long offset);

        static native int close(int fd);

        static native int dup2(int oldfd, int newfd);

        static native int fcntl(int fd, int cmd, int arg);

        static native int fcntl(int fd, int cmd, Pointer arg);

        static native int open(String path, int flags, int mode);

        static native int memfd_create(String name, int flags);

        static native int inotify_init1(int flags);

        static native int inotify_add_watch(int fd, String path, int mask);

        static native int inotify_rm_watch(int fd, int wd);

        static native int fallocate(int fd, int mode, long offset, long len);

        static native long lseek(int fd, long offset, int whence);

        static native int fchmod(int fd, int mode);

        static native int fflush(Pointer stream);

        static native String strerror(int errnum);
    }

    @Override
    public String name() {
        return "jna";
    }

    @Override
    public NativeBuffer allocate(int bytes) {
        Memory memory = new Memory(Math.max(1, bytes));
        return new NativeBuffer(memory.getByteBuffer(0, memory.size()), Pointer.nativeValue(memory), memory);
    }

    @Override
    public long write(int fd, long buf, long count) {
        return check(C.write(fd, new Pointer(buf), count));
    }

    @Override
    public long read(int fd, long buf, long count) {
        return check(C.read(fd, new Pointer(buf), count));
    }

    @Override
    public long pread(int fd, long buf, long count, long offset) {
        return check(C.pread(fd, new Pointer(buf), count, offset));
    }

    @Override
    public long preadArray(int fd, byte[] array, int count, long offset) {
        Memory scratch = SCRATCH.get();
        if (scratch == null || scratch.size() < count) {
            scratch = new Memory(Math.max(count, 64 * 1024));
            SCRATCH.set(scratch);
        }
        long n = check(C.pread(fd, scratch, count, offset));
        if (n > 0) {
            scratch.read(0, array, 0, (int) n);
        }
        return n;
    }

    @Override
    public int close(int fd) {
        return check(C.close(fd));
    }

    @Override
    public int dup2(int oldfd, int newfd) {
        return check(C.dup2(oldfd, newfd));
    }

    @Override
    public int fcntl(int fd, int cmd, int arg) {
        return check(C.fcntl(fd, cmd, arg));
    }

    @Override
    public int fcntlPointer(int fd, int cmd, long arg) {
        return check(C.fcntl(fd, cmd, new Pointer(arg)));
    }

    @Override
    public int open(String path, int flags, int mode) {
        return check(C.open(path, flags, mode));
    }

    @Override
    public int memfdCreate(String name, int flags) {
        return check(C.memfd_create(name, flags));
    }

    @Override
    public int inotifyInit1(int flags) {
        return check(C.inotify_init1(flags));
    }

    @Override
    public int inotifyAddWatch(int fd, String path, int mask) {
        return check(C.inotify_add_watch(fd, path, mask));
    }

    @Override
    public int inotifyRmWatch(int fd, int wd) {
        return check(C.inotify_rm_watch(fd, wd));
    }

    @Override
    public int fallocate(int fd, int mode, long offset, long len) {
        return check(C.fallocate(fd, mode, offset, len));
    }

    @Override
    public long lseek(int fd, long offset, int whence) {
        return check(C.lseek(fd, offset, whence));
    }

    @Override
    public int fchmod(int fd, int mode) {
        return check(C.fchmod(fd, mode));
    }

    @Override
    public int fflushAll() {
        return check(C.fflush(Pointer.NULL));
    }

    @Override
    public int fflushStdStreams() {
        int out = flushStream(C.STDOUT);
        int err = flushStream(C.STDERR);
        return out < 0 ? out : err;
    }

    /** fflush of the stream the variable at {@code variable} holds now; never fflush(NULL). */
    private static int flushStream(Pointer variable) {
        Pointer stream = variable.getPointer(0);
        return stream == null ? 0 : check(C.fflush(stream));
    }

    @Override
    public String strerror(int errno) {
        return C.strerror(errno);
    }

    private static long check(long rc) {
        return rc < 0 ? -Native.getLastError() : rc;
    }

    private static int check(int rc) {
        return rc < 0 ? -Native.getLastError() : rc;
    }
}
