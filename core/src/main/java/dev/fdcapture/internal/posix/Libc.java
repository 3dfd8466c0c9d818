package dev.fdcapture.internal.posix;

import dev.fdcapture.CaptureException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The libc functions fdcapture calls, bound with the Foreign Function and Memory
 * API, in the style of jextract: one handle per function, the C prototype and
 * man page in the javadoc, {@code invokeExact}, errno captured with
 * {@link Linker.Option#captureCallState}, and every return value checked.
 *
 * <p>All handles are linked when this class initializes, so linker errors and
 * the JVM's native-access warnings happen before any redirection, never inside
 * a capture. Callers must check {@link Module#isNativeAccessEnabled()} first.
 *
 * <p>Types follow LP64 Linux ({@code size_t}, {@code ssize_t}, {@code off_t} are
 * 64-bit), which covers x86_64 and aarch64.
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

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));

    /** {@code ssize_t write(int fd, const void *buf, size_t count)}, man 2 write. */
    private static final MethodHandle WRITE = errnoHandle("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    /** {@code ssize_t read(int fd, void *buf, size_t count)}, man 2 read. */
    private static final MethodHandle READ = errnoHandle("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    /** {@code ssize_t pread(int fd, void *buf, size_t count, off_t offset)}, man 2 pread. */
    private static final MethodHandle PREAD = errnoHandle("pread",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    /**
     * {@code pread} again, as a critical call that may write straight into a Java
     * array (no copy through native memory). Only for files that never block, such
     * as a memfd: the GC waits while it runs. No errno: on failure the caller asks
     * {@link #pread} again.
     */
    private static final MethodHandle PREAD_HEAP = LINKER.downcallHandle(symbol("pread"),
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG),
            Linker.Option.critical(true));
    /** {@code int close(int fd)}, man 2 close. */
    private static final MethodHandle CLOSE = errnoHandle("close",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    /** {@code int dup2(int oldfd, int newfd)}, man 2 dup2. */
    private static final MethodHandle DUP2 = errnoHandle("dup2",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    /** {@code int fcntl(int fd, int cmd, ... /* int arg *\/)}, man 2 fcntl. */
    private static final MethodHandle FCNTL = errnoHandle("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    /** {@code int fcntl(int fd, int cmd, ... /* struct flock *lock *\/)}, man 2 fcntl (open file description locks). */
    private static final MethodHandle FCNTL_LOCK = errnoHandle("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS),
            Linker.Option.firstVariadicArg(2));
    /**
     * {@code struct flock} on LP64 Linux: {@code short l_type, l_whence; off_t l_start,
     * l_len; pid_t l_pid}, 32 bytes with padding.
     */
    private static final long FLOCK_SIZE = 32;
    /** {@code int inotify_rm_watch(int fd, int wd)}, man 2 inotify_rm_watch. */
    private static final MethodHandle INOTIFY_RM_WATCH = errnoHandle("inotify_rm_watch",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    /** {@code int open(const char *path, int flags, ... /* mode_t mode *\/)}, man 2 open. */
    private static final MethodHandle OPEN = errnoHandle("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    /** {@code int memfd_create(const char *name, unsigned int flags)}, man 2 memfd_create. */
    private static final MethodHandle MEMFD_CREATE = errnoHandle("memfd_create",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    /** {@code int inotify_init1(int flags)}, man 2 inotify_init1. */
    private static final MethodHandle INOTIFY_INIT1 = errnoHandle("inotify_init1",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    /** {@code int inotify_add_watch(int fd, const char *path, uint32_t mask)}, man 2 inotify_add_watch. */
    private static final MethodHandle INOTIFY_ADD_WATCH = errnoHandle("inotify_add_watch",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    /** {@code int fallocate(int fd, int mode, off_t offset, off_t len)}, man 2 fallocate. */
    private static final MethodHandle FALLOCATE = errnoHandle("fallocate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    /** {@code off_t lseek(int fd, off_t offset, int whence)}, man 2 lseek. */
    private static final MethodHandle LSEEK = errnoHandle("lseek",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    /** {@code int fchmod(int fd, mode_t mode)}, man 2 fchmod. */
    private static final MethodHandle FCHMOD = errnoHandle("fchmod",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    /** {@code int fflush(FILE *stream)}, man 3 fflush; {@code NULL} flushes every output stream. */
    private static final MethodHandle FFLUSH = errnoHandle("fflush",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    /** {@code char *strerror(int errnum)}, man 3 strerror. */
    private static final MethodHandle STRERROR = LINKER.downcallHandle(symbol("strerror"),
            FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private Libc() {
    }

    /** Forces the handles above to be linked. */
    public static void link() {
        // Class initialization did the work.
    }

    /** Writes all of {@code buf[0, len)} to {@code fd}, retrying short writes and EINTR. */
    public static void writeFully(int fd, MemorySegment buf, long len) {
        long done = 0;
        while (done < len) {
            long n;
            MemorySegment state = STATE.get();
            try {
                n = (long) WRITE.invokeExact(state, fd, buf.asSlice(done), len - done);
            } catch (Throwable t) {
                throw unchecked(t);
            }
            if (n < 0) {
                int errno = errno(state);
                if (errno == Errno.EINTR) {
                    continue;
                }
                throw failure("write(" + fd + ", " + (len - done) + ")", errno);
            }
            done += n;
        }
    }

    /** Reads up to {@code len} bytes; 0 at end of file; retries EINTR. */
    public static long read(int fd, MemorySegment buf, long len) {
        while (true) {
            long n;
            MemorySegment state = STATE.get();
            try {
                n = (long) READ.invokeExact(state, fd, buf, len);
            } catch (Throwable t) {
                throw unchecked(t);
            }
            if (n >= 0) {
                return n;
            }
            int errno = errno(state);
            if (errno != Errno.EINTR) {
                throw failure("read(" + fd + ", " + len + ")", errno);
            }
        }
    }

    /** Reads up to {@code len} bytes at {@code offset}; 0 at end of file; retries EINTR. */
    public static long pread(int fd, MemorySegment buf, long len, long offset) {
        while (true) {
            long n;
            MemorySegment state = STATE.get();
            try {
                n = (long) PREAD.invokeExact(state, fd, buf, len, offset);
            } catch (Throwable t) {
                throw unchecked(t);
            }
            if (n >= 0) {
                return n;
            }
            int errno = errno(state);
            if (errno != Errno.EINTR) {
                throw failure("pread(" + fd + ", " + len + ", " + offset + ")", errno);
            }
        }
    }

    /**
     * Reads up to {@code len} bytes at {@code offset} of a file that never blocks
     * (a memfd) straight into {@code array[0, len)}; 0 at end of file.
     */
    public static int preadInto(int fd, byte[] array, int len, long offset) {
        long n;
        try {
            n = (long) PREAD_HEAP.invokeExact(fd, MemorySegment.ofArray(array), (long) len, offset);
        } catch (Throwable t) {
            throw unchecked(t);
        }
        if (n >= 0) {
            return (int) n;
        }
        // Rare (EINTR, or a real error): the errno-capturing path retries or reports it.
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(len);
            long m = pread(fd, buf, len, offset);
            MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, array, 0, (int) m);
            return (int) m;
        }
    }

    /**
     * Closes {@code fd}. EINTR is not retried: on Linux the descriptor is gone
     * either way, and retrying could close a descriptor another thread just got.
     */
    public static void close(int fd) {
        int rc;
        MemorySegment state = STATE.get();
        try {
            rc = (int) CLOSE.invokeExact(state, fd);
        } catch (Throwable t) {
            throw unchecked(t);
        }
        if (rc < 0) {
            int errno = errno(state);
            if (errno != Errno.EINTR) {
                throw failure("close(" + fd + ")", errno);
            }
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
            int rc;
            MemorySegment state = STATE.get();
            try {
                rc = (int) DUP2.invokeExact(state, oldfd, newfd);
            } catch (Throwable t) {
                throw unchecked(t);
            }
            if (rc >= 0) {
                return;
            }
            int errno = errno(state);
            if (errno == Errno.EINTR || (errno == Errno.EBUSY && attempt < 100)) {
                Thread.onSpinWait();
                continue;
            }
            throw failure("dup2(" + oldfd + ", " + newfd + ")", errno);
        }
    }

    /** A new close-on-exec descriptor (at least 3) for what {@code fd} refers to. */
    public static int dupCloexec(int fd) {
        return fcntl(fd, F_DUPFD_CLOEXEC, 3, "fcntl(" + fd + ", F_DUPFD_CLOEXEC, 3)");
    }

    /** Adds file seals ({@code F_SEAL_*}) to a memfd created with MFD_ALLOW_SEALING. */
    public static void addSeals(int fd, int seals) {
        fcntl(fd, F_ADD_SEALS, seals, "fcntl(" + fd + ", F_ADD_SEALS, " + seals + ")");
    }

    private static int fcntl(int fd, int cmd, int arg, String call) {
        while (true) {
            int rc;
            MemorySegment state = STATE.get();
            try {
                rc = (int) FCNTL.invokeExact(state, fd, cmd, arg);
            } catch (Throwable t) {
                throw unchecked(t);
            }
            if (rc >= 0) {
                return rc;
            }
            int errno = errno(state);
            if (errno != Errno.EINTR) {
                throw failure(call, errno);
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
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment lock = arena.allocate(FLOCK_SIZE, 8);
            lock.set(ValueLayout.JAVA_SHORT, 0, type);
            lock.set(ValueLayout.JAVA_SHORT, 2, (short) 0); // SEEK_SET
            lock.set(JAVA_LONG, 8, 0L);
            lock.set(JAVA_LONG, 16, 1L);
            while (true) {
                int rc;
                MemorySegment state = STATE.get();
                try {
                    rc = (int) FCNTL_LOCK.invokeExact(state, fd, cmd, lock);
                } catch (Throwable t) {
                    throw unchecked(t);
                }
                if (rc >= 0) {
                    return lock.get(ValueLayout.JAVA_SHORT, 0);
                }
                int errno = errno(state);
                if (errno != Errno.EINTR) {
                    throw failure(call, errno);
                }
            }
        }
    }

    /** Removes a watch; a watch already gone (its file deleted) is not an error. */
    public static void inotifyRmWatch(int fd, int wd) {
        int rc;
        MemorySegment state = STATE.get();
        try {
            rc = (int) INOTIFY_RM_WATCH.invokeExact(state, fd, wd);
        } catch (Throwable t) {
            throw unchecked(t);
        }
        if (rc < 0) {
            int errno = errno(state);
            if (errno != Errno.EINVAL) {
                throw failure("inotify_rm_watch(" + fd + ", " + wd + ")", errno);
            }
        }
    }

    /** Opens {@code path}; {@code mode} matters only with O_CREAT. Retries EINTR. */
    public static int open(String path, int flags, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cpath = arena.allocateFrom(path);
            while (true) {
                int fd;
                MemorySegment state = STATE.get();
                try {
                    fd = (int) OPEN.invokeExact(state, cpath, flags, mode);
                } catch (Throwable t) {
                    throw unchecked(t);
                }
                if (fd >= 0) {
                    return fd;
                }
                int errno = errno(state);
                if (errno != Errno.EINTR) {
                    throw failure("open(\"" + path + "\", " + openFlags(flags) + ")", errno);
                }
            }
        }
    }

    /** An anonymous memory file; see man 2 memfd_create. */
    public static int memfdCreate(String name, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            int fd;
            MemorySegment state = STATE.get();
            try {
                fd = (int) MEMFD_CREATE.invokeExact(state, arena.allocateFrom(name), flags);
            } catch (Throwable t) {
                throw unchecked(t);
            }
            if (fd < 0) {
                throw failure("memfd_create(\"" + name + "\", " + flags + ")", errno(state));
            }
            return fd;
        }
    }

    /** A new inotify instance. */
    public static int inotifyInit1(int flags) {
        int fd;
        MemorySegment state = STATE.get();
        try {
            fd = (int) INOTIFY_INIT1.invokeExact(state, flags);
        } catch (Throwable t) {
            throw unchecked(t);
        }
        if (fd < 0) {
            int errno = errno(state);
            throw failure("inotify_init1(IN_CLOEXEC)", errno,
                    errno == Errno.EMFILE ? "; raise fs.inotify.max_user_instances" : "");
        }
        return fd;
    }

    /** Watches {@code path} for the events in {@code mask}; returns the watch descriptor. */
    public static int inotifyAddWatch(int fd, String path, int mask) {
        try (Arena arena = Arena.ofConfined()) {
            int wd;
            MemorySegment state = STATE.get();
            try {
                wd = (int) INOTIFY_ADD_WATCH.invokeExact(state, fd, arena.allocateFrom(path), mask);
            } catch (Throwable t) {
                throw unchecked(t);
            }
            if (wd < 0) {
                throw failure("inotify_add_watch(" + fd + ", \"" + path + "\", " + mask + ")", errno(state));
            }
            return wd;
        }
    }

    /** Frees {@code [offset, offset + len)} of the file; its size stays. */
    public static void punchHole(int fd, long offset, long len) {
        int rc;
        MemorySegment state = STATE.get();
        try {
            rc = (int) FALLOCATE.invokeExact(state, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, len);
        } catch (Throwable t) {
            throw unchecked(t);
        }
        if (rc < 0) {
            throw failure("fallocate(" + fd + ", PUNCH_HOLE|KEEP_SIZE, " + offset + ", " + len + ")", errno(state));
        }
    }

    /** The size of the file behind {@code fd}, read as {@code lseek(fd, 0, SEEK_END)}. */
    public static long size(int fd) {
        long pos;
        MemorySegment state = STATE.get();
        try {
            pos = (long) LSEEK.invokeExact(state, fd, 0L, SEEK_END);
        } catch (Throwable t) {
            throw unchecked(t);
        }
        if (pos < 0) {
            throw failure("lseek(" + fd + ", 0, SEEK_END)", errno(state));
        }
        return pos;
    }

    /** Changes the file's mode; used to raise IN_ATTRIB on a watched file. */
    public static void fchmod(int fd, int mode) {
        int rc;
        MemorySegment state = STATE.get();
        try {
            rc = (int) FCHMOD.invokeExact(state, fd, mode);
        } catch (Throwable t) {
            throw unchecked(t);
        }
        if (rc < 0) {
            throw failure("fchmod(" + fd + ", 0" + Integer.toOctalString(mode) + ")", errno(state));
        }
    }

    /**
     * {@code fflush(NULL)}: writes out every stdio output buffer of the process.
     * A failure (for example EBADF on a stream whose fd was closed) is reported
     * by the return value, never thrown: one broken stream must not stop a capture.
     */
    public static boolean flushAll() {
        int rc;
        MemorySegment state = STATE.get();
        try {
            rc = (int) FFLUSH.invokeExact(state, MemorySegment.NULL);
        } catch (Throwable t) {
            throw unchecked(t);
        }
        return rc == 0;
    }

    /** The C library's text for {@code errno}, such as {@code Bad file descriptor}. */
    public static String strerror(int errno) {
        MemorySegment text;
        try {
            text = (MemorySegment) STRERROR.invokeExact(errno);
        } catch (Throwable t) {
            throw unchecked(t);
        }
        return text.equals(MemorySegment.NULL) ? "Unknown error " + errno : text.reinterpret(1024).getString(0);
    }

    private static CaptureException failure(String call, int errno) {
        return failure(call, errno, "");
    }

    private static CaptureException failure(String call, int errno, String hint) {
        return new CaptureException(call, errno, strerror(errno) + hint);
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static String openFlags(int flags) {
        StringBuilder sb = new StringBuilder();
        sb.append(switch (flags & 3) {
            case O_WRONLY -> "O_WRONLY";
            case O_RDWR -> "O_RDWR";
            default -> "O_RDONLY";
        });
        if ((flags & O_CREAT) != 0) sb.append("|O_CREAT");
        if ((flags & O_TRUNC) != 0) sb.append("|O_TRUNC");
        if ((flags & O_APPEND) != 0) sb.append("|O_APPEND");
        if ((flags & O_CLOEXEC) != 0) sb.append("|O_CLOEXEC");
        return sb.toString();
    }

    private static MethodHandle errnoHandle(String name, FunctionDescriptor descriptor, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = Linker.Option.captureCallState("errno");
        System.arraycopy(extra, 0, options, 1, extra.length);
        return LINKER.downcallHandle(symbol(name), descriptor, options);
    }

    private static MemorySegment symbol(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
    }

    private static RuntimeException unchecked(Throwable t) {
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        // A downcall declares no checked exception; invokeExact only says it could.
        throw new AssertionError(t);
    }
}
