package dev.fdcapture.internal.posix;

import dev.fdcapture.CaptureException;

import java.lang.ref.Reference;

/**
 * The libc calls fdcapture makes, checked: each wraps one raw call of the
 * {@link Posix} backend chosen by {@link Backend}, retries what is meant to be
 * retried (EINTR, EBUSY of {@code dup2}), and turns a failure into a
 * {@link CaptureException} that names the call and errno
 * ({@code dup2(7, 1) failed: EBADF (Bad file descriptor)}), the same on both
 * backends.
 *
 * <p>Callers must check {@link Backend#unsupportedReason()} first; the backend
 * links every function when it is made, so linker errors and the JVM's
 * native-access warnings happen before any redirection, never inside a capture.
 */
public final class Libc {
    // open(2) and fcntl(2) constants, identical on x86_64 and aarch64 Linux.
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_ACCMODE = 3;
    public static final int F_GETFL = 3;
    /** {@code __O_TMPFILE | O_DIRECTORY}: O_DIRECTORY is one of the few flags that differ between the two. */
    public static final int O_TMPFILE = 020000000 | ("aarch64".equals(System.getProperty("os.arch")) ? 040000 : 0200000);
    public static final int F_DUPFD_CLOEXEC = 1030;
    public static final int F_ADD_SEALS = 1033;
    public static final int F_SEAL_SHRINK = 0x0002;
    public static final int F_OFD_GETLK = 36;
    public static final int F_OFD_SETLK = 37;
    public static final short F_WRLCK = 1;
    public static final short F_UNLCK = 2;
    public static final int MFD_CLOEXEC = 1;
    public static final int MFD_ALLOW_SEALING = 2;
    public static final int IN_CLOEXEC = 02000000;
    public static final int IN_MODIFY = 0x2;
    public static final int IN_ATTRIB = 0x4;
    public static final int IN_CLOSE_WRITE = 0x8;
    public static final int FALLOC_FL_KEEP_SIZE = 1;
    public static final int FALLOC_FL_PUNCH_HOLE = 2;
    public static final int SEEK_END = 2;

    /** The backend's own calls. */
    private static final Posix NATIVE = Backend.posix();
    /** What the calls below go through: {@link #NATIVE}, unless a test interposed (see {@link #interpose}). */
    private static volatile Posix os = NATIVE;
    /**
     * {@code struct flock} on LP64 Linux: {@code short l_type, l_whence; off_t l_start,
     * l_len; pid_t l_pid}, 32 bytes with padding.
     */
    private static final int FLOCK_SIZE = 32;

    /**
     * Per thread: a {@code struct flock}, and native memory for writes from Java
     * arrays; made at a thread's first use ({@link #perThread}).
     */
    private static final ThreadLocal<NativeBuffer> FLOCK = new ThreadLocal<>();
    private static final ThreadLocal<NativeBuffer> STAGING = new ThreadLocal<>();

    private Libc() {
    }

    /**
     * Puts {@code decorator} between these checked calls and the backend (null:
     * the backend itself again); returns what was there. For fault-injection
     * tests only: package-private, so nothing outside this package, and nothing
     * in the public API, can reach it.
     */
    static Posix interpose(Posix decorator) {
        Posix previous = os;
        os = decorator != null ? decorator : NATIVE;
        return previous;
    }

    /** The backend's own calls, for a decorator to delegate to. */
    static Posix nativeCalls() {
        return NATIVE;
    }

    /** The backend in use, {@code ffm} or {@code jna}. */
    public static String backend() {
        return os.name();
    }

    /**
     * This thread's buffer of {@code buffers}, allocated at its first use. Not
     * {@code ThreadLocal.withInitial}: its lambda is a class spun on the way to a
     * first capture (about 1 ms each in a fresh JVM).
     */
    private static NativeBuffer perThread(ThreadLocal<NativeBuffer> buffers, int bytes) {
        NativeBuffer b = buffers.get();
        if (b == null) {
            b = os.allocate(bytes);
            buffers.set(b);
        }
        return b;
    }

    /** Native memory for the calls below, freed when unreachable. */
    public static NativeBuffer allocate(int bytes) {
        return os.allocate(bytes);
    }

    /** Writes all of {@code buf[0, len)} to {@code fd}, retrying short writes and EINTR. */
    public static void writeFully(int fd, NativeBuffer buf, long len) {
        try {
            long done = 0;
            while (done < len) {
                long n = os.write(fd, buf.address(done), len - done);
                if (n < 0) {
                    if (n == -Errno.EINTR) {
                        continue;
                    }
                    throw failure("write(" + fd + ", " + (len - done) + ")", (int) -n);
                }
                done += n;
            }
        } finally {
            Reference.reachabilityFence(buf);
        }
    }

    /** Writes all of {@code bytes[offset, offset + len)} to {@code fd}, through native memory of this thread's. */
    public static void writeFully(int fd, byte[] bytes, int offset, int len) {
        NativeBuffer staging = perThread(STAGING, 64 * 1024);
        int piece = staging.capacity();
        for (int at = 0; at < len; at += piece) {
            int n = Math.min(piece, len - at);
            staging.bytes().put(0, bytes, offset + at, n);
            writeFully(fd, staging, n);
        }
    }

    /** Reads up to {@code len} bytes into {@code buf}; 0 at end of file; retries EINTR. */
    public static long read(int fd, NativeBuffer buf, long len) {
        try {
            while (true) {
                long n = os.read(fd, buf.address(), len);
                if (n >= 0) {
                    return n;
                }
                if (n != -Errno.EINTR) {
                    throw failure("read(" + fd + ", " + len + ")", (int) -n);
                }
            }
        } finally {
            Reference.reachabilityFence(buf);
        }
    }

    /**
     * Reads up to {@code len} bytes at {@code offset} of a file that never blocks
     * (a memfd) into {@code array[0, len)}; 0 at end of file; retries EINTR.
     */
    public static int pread(int fd, byte[] array, int len, long offset) {
        while (true) {
            long n = os.preadArray(fd, array, len, offset);
            if (n >= 0) {
                return (int) n;
            }
            if (n != -Errno.EINTR) {
                throw failure("pread(" + fd + ", " + len + ", " + offset + ")", (int) -n);
            }
        }
    }

    /**
     * Closes {@code fd}. EINTR is not retried: on Linux the descriptor is gone
     * either way, and retrying could close a descriptor another thread just got.
     */
    public static void close(int fd) {
        int rc = os.close(fd);
        if (rc < 0 && rc != -Errno.EINTR) {
            throw failure("close(" + fd + ")", -rc);
        }
    }

    /**
     * Closes {@code fd} (if it is one) while {@code primary} is already on its way
     * up: a failure to close is attached to it, never thrown in its place.
     */
    public static void closeAfterFailure(int fd, Throwable primary) {
        if (fd >= 0) {
            try {
                close(fd);
            } catch (RuntimeException e) {
                primary.addSuppressed(e);
            }
        }
    }

    /**
     * Makes {@code newfd} refer to what {@code oldfd} refers to. Retries EINTR and
     * EBUSY (a race with another thread's open on Linux; wurlitzer #4).
     */
    public static void dup2(int oldfd, int newfd) {
        for (int attempt = 0; ; attempt++) {
            int rc = os.dup2(oldfd, newfd);
            if (rc >= 0) {
                return;
            }
            if (rc == -Errno.EINTR || (rc == -Errno.EBUSY && attempt < 100)) {
                Thread.onSpinWait();
                continue;
            }
            throw failure("dup2(" + oldfd + ", " + newfd + ")", -rc);
        }
    }

    /** A new close-on-exec descriptor (at least 3) for what {@code fd} refers to. */
    public static int dupCloexec(int fd) {
        return fcntl(fd, F_DUPFD_CLOEXEC, 3, "fcntl(" + fd + ", F_DUPFD_CLOEXEC, 3)");
    }

    /**
     * Whether {@code fd} is open for writing: the access mode of its status flags
     * ({@code F_GETFL}) is O_WRONLY or O_RDWR. False when it is not open at all
     * (EBADF), where the JVM will put the next file it opens.
     */
    public static boolean openForWriting(int fd) {
        int mode = accessMode(fd);
        return mode == O_WRONLY || mode == O_RDWR;
    }

    /** The access mode of {@code fd} (O_RDONLY, O_WRONLY or O_RDWR), or -1 when it is not open (EBADF). */
    public static int accessMode(int fd) {
        while (true) {
            int rc = os.fcntl(fd, F_GETFL, 0);
            if (rc >= 0) {
                return rc & O_ACCMODE;
            }
            if (rc == -Errno.EBADF) {
                return -1;
            }
            if (rc != -Errno.EINTR) {
                throw failure("fcntl(" + fd + ", F_GETFL)", -rc);
            }
        }
    }

    /** Adds file seals ({@code F_SEAL_*}) to a memfd created with MFD_ALLOW_SEALING. */
    public static void addSeals(int fd, int seals) {
        fcntl(fd, F_ADD_SEALS, seals, "fcntl(" + fd + ", F_ADD_SEALS, " + seals + ")");
    }

    private static int fcntl(int fd, int cmd, int arg, String call) {
        while (true) {
            int rc = os.fcntl(fd, cmd, arg);
            if (rc >= 0) {
                return rc;
            }
            if (rc != -Errno.EINTR) {
                throw failure(call, -rc);
            }
        }
    }

    /**
     * Takes a write lock on byte 0 for the open file description behind {@code fd}
     * ({@code F_OFD_SETLK}). It lasts until the last descriptor sharing that
     * description, in this process or a child, is closed.
     */
    public static void lockDescription(int fd) {
        ofdLock(fd, F_OFD_SETLK, F_WRLCK, "fcntl(" + fd + ", F_OFD_SETLK, F_WRLCK)");
    }

    /** Whether another open file description holds a lock that {@link #lockDescription} would conflict with. */
    public static boolean descriptionLocked(int fd) {
        return ofdLock(fd, F_OFD_GETLK, F_WRLCK, "fcntl(" + fd + ", F_OFD_GETLK)") != F_UNLCK;
    }

    private static short ofdLock(int fd, int cmd, short type, String call) {
        NativeBuffer lock = perThread(FLOCK, FLOCK_SIZE);
        java.nio.ByteBuffer b = lock.bytes();
        b.putShort(0, type);
        b.putShort(2, (short) 0); // SEEK_SET
        b.putLong(8, 0L);
        b.putLong(16, 1L);
        b.putInt(24, 0);
        try {
            while (true) {
                int rc = os.fcntlPointer(fd, cmd, lock.address());
                if (rc >= 0) {
                    return b.getShort(0);
                }
                if (rc != -Errno.EINTR) {
                    throw failure(call, -rc);
                }
            }
        } finally {
            Reference.reachabilityFence(lock);
        }
    }

    /** Removes a watch; a watch already gone (its file deleted) is not an error. */
    public static void inotifyRmWatch(int fd, int wd) {
        int rc = os.inotifyRmWatch(fd, wd);
        if (rc < 0 && rc != -Errno.EINVAL) {
            throw failure("inotify_rm_watch(" + fd + ", " + wd + ")", -rc);
        }
    }

    /** Opens {@code path}; {@code mode} matters only with O_CREAT. Retries EINTR. */
    public static int open(String path, int flags, int mode) {
        while (true) {
            int fd = os.open(path, flags, mode);
            if (fd >= 0) {
                return fd;
            }
            if (fd != -Errno.EINTR) {
                throw failure("open(\"" + path + "\", " + openFlags(flags) + ")", -fd);
            }
        }
    }

    /** An anonymous memory file; see man 2 memfd_create. */
    public static int memfdCreate(String name, int flags) {
        int fd = os.memfdCreate(name, flags);
        if (fd < 0) {
            throw failure("memfd_create(\"" + name + "\", " + flags + ")", -fd);
        }
        return fd;
    }

    /** A new inotify instance. */
    public static int inotifyInit1(int flags) {
        int fd = os.inotifyInit1(flags);
        if (fd < 0) {
            throw failure("inotify_init1(IN_CLOEXEC)", -fd,
                    fd == -Errno.EMFILE ? "; raise fs.inotify.max_user_instances" : "");
        }
        return fd;
    }

    /** Watches {@code path} for the events in {@code mask}; returns the watch descriptor. */
    public static int inotifyAddWatch(int fd, String path, int mask) {
        int wd = os.inotifyAddWatch(fd, path, mask);
        if (wd < 0) {
            throw failure("inotify_add_watch(" + fd + ", \"" + path + "\", " + mask + ")", -wd);
        }
        return wd;
    }

    /** Frees {@code [offset, offset + len)} of the file; its size stays. */
    public static void punchHole(int fd, long offset, long len) {
        int rc = os.fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, len);
        if (rc < 0) {
            throw failure("fallocate(" + fd + ", PUNCH_HOLE|KEEP_SIZE, " + offset + ", " + len + ")", -rc);
        }
    }

    /** The size of the file behind {@code fd}, read as {@code lseek(fd, 0, SEEK_END)}. */
    public static long size(int fd) {
        long pos = os.lseek(fd, 0L, SEEK_END);
        if (pos < 0) {
            throw failure("lseek(" + fd + ", 0, SEEK_END)", (int) -pos);
        }
        return pos;
    }

    /** Changes the file's mode; used to raise IN_ATTRIB on a watched file. */
    public static void fchmod(int fd, int mode) {
        int rc = os.fchmod(fd, mode);
        if (rc < 0) {
            throw failure("fchmod(" + fd + ", 0" + Integer.toOctalString(mode) + ")", -rc);
        }
    }

    /**
     * {@code fflush(NULL)}: writes out every stdio output buffer of the process.
     * A failure (for example EBADF on a stream whose fd was closed) is reported
     * by the return value, never thrown: one broken stream must not stop a capture.
     */
    public static boolean flushAll() {
        return os.fflushAll() == 0;
    }

    /**
     * {@code fflush(stdout)} and {@code fflush(stderr)}: the C library's own
     * streams on fd 1 and fd 2, each under its lock, so safe while other threads
     * write. Not {@link #flushAll()}, which glibc makes unsafe against a
     * {@code dprintf} running on another thread: that call's temporary stream has
     * no lock yet is in the list {@code fflush(NULL)} walks, and both then write
     * its buffer (a line twice, or a half-formatted piece of it; see
     * build-support/stdio-flush-race.c). Failures are reported like flushAll's.
     */
    public static boolean flushStdStreams() {
        return os.fflushStdStreams() == 0;
    }

    /** The C library's text for {@code errno}, such as {@code Bad file descriptor}. */
    public static String strerror(int errno) {
        String text = os.strerror(errno);
        return text != null ? text : "Unknown error " + errno;
    }

    private static CaptureException failure(String call, int errno) {
        return failure(call, errno, "");
    }

    /** A failure of {@code call} with {@code errno}, {@code hint} after errno's text; for callers that check results. */
    public static CaptureException failure(String call, int errno, String hint) {
        return new CaptureException(call, errno, strerror(errno) + hint);
    }

    private static String openFlags(int flags) {
        StringBuilder sb = new StringBuilder();
        int access = flags & 3;
        sb.append(access == O_WRONLY ? "O_WRONLY" : access == O_RDWR ? "O_RDWR" : "O_RDONLY");
        if ((flags & O_CREAT) != 0) sb.append("|O_CREAT");
        if ((flags & O_TRUNC) != 0) sb.append("|O_TRUNC");
        if ((flags & O_APPEND) != 0) sb.append("|O_APPEND");
        if ((flags & O_CLOEXEC) != 0) sb.append("|O_CLOEXEC");
        if ((flags & O_TMPFILE) == O_TMPFILE) sb.append("|O_TMPFILE");
        return sb.toString();
    }
}
