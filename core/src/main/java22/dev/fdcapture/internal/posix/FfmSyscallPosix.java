package dev.fdcapture.internal.posix;

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
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@link Posix} through the Foreign Function and Memory API (Java 22+) on x86_64
 * and aarch64 Linux, where every system call goes through one downcall shape:
 * {@code long syscall(long number, ...)} (man 2 syscall) with five {@code long}
 * arguments. Other architectures use {@link FfmPosix}, one handle per libc
 * function.
 *
 * <p>Why: the first capture in a fresh JVM was mostly linking, 7-10 ms for each
 * distinct downcall shape on top of the JVM's own first downcall (HAZARDS.md
 * item 16); fdcapture had 16 shapes, this links one when it initializes (before
 * any redirection): the system call without errno capture, and {@code fflush}
 * through the same shape, which the linker shares. Linked when first needed:
 * the same call with errno captured ({@link Linker.Option#captureCallState}) at
 * the first failure or close, the critical read into a Java array once the
 * process has read more than a little ({@link #COPIED_READS}), {@code strerror} at the
 * first failure (only messages need it).
 *
 * <p>The kernel's calls are what glibc's wrappers make on these architectures
 * (glibc's {@code open} is {@code openat(AT_FDCWD, ...)}, {@code pread} is
 * {@code pread64}), so errno is the same. aarch64 has no {@code dup2}: it is
 * {@code dup3(old, new, 0)}, with dup2's answer for {@code old == new}.
 */
final class FfmSyscallPosix implements Posix {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final long AT_FDCWD = -100;
    private static final int F_GETFD = 1;

    /** This architecture's system call numbers ({@link Backend} loads this class only where there is a table). */
    private static final Numbers NR = Numbers.of(System.getProperty("os.arch", ""));

    /**
     * The one shape: {@code long f(long, long, long, long, long, long)}, linked
     * as a fixed-argument function although {@code syscall} is variadic. On these
     * two architectures that is the same call: aarch64 Linux passes variadic
     * arguments exactly like named ones, and on x86_64 the only difference is
     * {@code %al}, which a variadic caller sets to the number of vector registers
     * used; glibc's {@code syscall} is assembly that never reads it, and a C
     * variadic prologue (musl's) only tests it for zero to skip saving vector
     * registers. {@link Linker.Option#firstVariadicArg} would cost the first
     * link about 15 ms in a fresh JVM (the linker binds {@code %al}'s value into
     * the handle, spinning method-handle classes): 124 ms against 109 ms for a
     * first {@code syscall(SYS_getpid)}, 20 fresh JVMs each, interleaved; the
     * JVM's first {@code getpid()} took 112.
     */
    private static final FunctionDescriptor SHAPE =
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);
    /**
     * {@code long syscall(long number, ...)} in {@link #SHAPE}, errno not captured: the common path,
     * where calls succeed. Capturing errno makes the first link of a shape cost
     * about 23 ms more in a fresh JVM (HAZARDS.md item 16); a call that fails
     * (-1) is made again through {@link Capturing}, which tells its errno.
     */
    private static final MethodHandle SYSCALL = LINKER.downcallHandle(symbol("syscall"), SHAPE);
    /**
     * {@code int fflush(FILE *)}, linked with the system call's shape, so the
     * linker reuses that shape's stub instead of generating one more (7-10 ms of
     * a first capture). Well defined at the ABI level on the two architectures
     * this class serves: the stream goes in the first integer register as it
     * would for the real prototype, fflush ignores the registers of the unused
     * arguments, and the int result is the low half of the return register,
     * taken with a cast.
     */
    private static final MethodHandle FFLUSH = LINKER.downcallHandle(symbol("fflush"), SHAPE);
    /** The variables {@code stdout} and {@code stderr} (not the streams: a program may assign them). */
    private static final MemorySegment STDOUT = symbol("stdout").reinterpret(ADDRESS.byteSize());
    private static final MemorySegment STDERR = symbol("stderr").reinterpret(ADDRESS.byteSize());

    /**
     * The first reads of the process that find data (up to these many, and
     * bytes) copy through native memory instead of linking {@link PreadHeap}:
     * that link is a shape of its own, about 15 ms in a fresh JVM, and an
     * application that captures a few lines, or only the echo of its own
     * {@code System.out}, would pay it at exit. Busy readers pass these counts
     * within their first milliseconds.
     */
    private static final int COPIED_READS = 32;
    private static final long COPIED_BYTES = 1L << 20;
    private static int copiedReads;
    private static long copiedBytes;
    /** Per thread, the native memory those first reads go through; not withInitial (a lambda). */
    private static final ThreadLocal<MemorySegment> SCRATCH = new ThreadLocal<>();
    private static final int SCRATCH_BYTES = 64 * 1024;

    FfmSyscallPosix() {
    }

    /** System call numbers, from the kernel's unistd tables. */
    private record Numbers(long read, long write, long pread64, long close, long dup2, long dup3, long fcntl,
                           long openat, long memfdCreate, long inotifyInit1, long inotifyAddWatch,
                           long inotifyRmWatch, long fallocate, long lseek, long fchmod) {
        static Numbers of(String osArch) {
            switch (osArch) {
                case "amd64":
                case "x86_64":
                    return new Numbers(0, 1, 17, 3, 33, 292, 72, 257, 319, 294, 254, 255, 285, 8, 91);
                case "aarch64":
                    // asm-generic: no dup2 (-1), dup3 instead.
                    return new Numbers(63, 64, 67, 57, -1, 24, 25, 56, 279, 26, 27, 28, 47, 62, 52);
                default:
                    return null;
            }
        }
    }

    @Override
    public String name() {
        return "ffm";
    }

    @Override
    public NativeBuffer allocate(int bytes) {
        MemorySegment segment = Arena.ofAuto().allocate(Math.max(1, bytes), 64);
        return new NativeBuffer(segment.asByteBuffer(), segment.address(), segment);
    }

    /**
     * One system call; {@code -errno} on failure, like the kernel. A call that
     * failed is made once more with errno captured, and that answer is the one
     * returned. Every call here may be repeated after a failure: it changed
     * nothing the first time (a failed write wrote nothing, a failed open or dup
     * made no descriptor), or repeating it is what a retry would do (EINTR,
     * EAGAIN, EBUSY), and the second answer, success included, stands. All but
     * {@code close}: a failed close may have released the number, which another
     * thread may take at once; close always goes through {@link #capturing}.
     */
    private static long sys(long number, long a, long b, long c, long d) {
        long rc;
        try {
            rc = (long) SYSCALL.invokeExact(number, a, b, c, d, 0L);
        } catch (Throwable t) {
            throw unchecked(t);
        }
        return rc >= 0 ? rc : capturing(number, a, b, c, d);
    }

    /** One system call with errno captured; {@code -errno} on failure. */
    private static long capturing(long number, long a, long b, long c, long d) {
        MemorySegment state = Capturing.STATE.get();
        long rc;
        try {
            rc = (long) Capturing.SYSCALL.invokeExact(state, number, a, b, c, d, 0L);
        } catch (Throwable t) {
            throw unchecked(t);
        }
        return rc < 0 ? -(int) Capturing.ERRNO.get(state, 0L) : rc;
    }

    @Override
    public long write(int fd, long buf, long count) {
        return sys(NR.write, fd, buf, count, 0);
    }

    @Override
    public long read(int fd, long buf, long count) {
        return sys(NR.read, fd, buf, count, 0);
    }

    @Override
    public long pread(int fd, long buf, long count, long offset) {
        return sys(NR.pread64, fd, buf, count, offset);
    }

    @Override
    public long preadArray(int fd, byte[] array, int count, long offset) {
        if (copiedReads < COPIED_READS && copiedBytes < COPIED_BYTES) {
            long n = preadCopy(fd, array, count, offset);
            if (n > 0) {
                // Racy counts on purpose: a few reads more or fewer this way change nothing.
                // A read that found nothing new (a reader asking "more?") is not counted.
                copiedReads++;
                copiedBytes += n;
            }
            return n;
        }
        long n;
        try {
            n = (long) PreadHeap.HANDLE.invokeExact(NR.pread64, (long) fd, MemorySegment.ofArray(array),
                    (long) count, offset);
        } catch (Throwable t) {
            throw unchecked(t);
        }
        if (n >= 0) {
            return n;
        }
        // Rare (EINTR, or a real error): the errno-capturing call reports it.
        return preadCopy(fd, array, count, offset);
    }

    /**
     * pread in the common shape (nothing to link) into this thread's native
     * scratch memory, then copied: at most {@link #SCRATCH_BYTES}, a short read
     * as pread may return.
     */
    private static long preadCopy(int fd, byte[] array, int count, long offset) {
        MemorySegment scratch = SCRATCH.get();
        if (scratch == null) {
            scratch = Arena.ofAuto().allocate(SCRATCH_BYTES, 64);
            SCRATCH.set(scratch);
        }
        long m = sys(NR.pread64, fd, scratch.address(), Math.min(count, SCRATCH_BYTES), offset);
        if (m > 0) {
            scratch.asByteBuffer().get(0, array, 0, (int) m);
        }
        return m;
    }

    @Override
    public int close(int fd) {
        return (int) capturing(NR.close, fd, 0, 0, 0);
    }

    @Override
    public int dup2(int oldfd, int newfd) {
        if (NR.dup2 >= 0) {
            return (int) sys(NR.dup2, oldfd, newfd, 0, 0);
        }
        if (oldfd == newfd) {
            // dup2 returns newfd if it is open (EBADF if not); dup3 would say EINVAL.
            long rc = sys(NR.fcntl, oldfd, F_GETFD, 0, 0);
            return rc < 0 ? (int) rc : newfd;
        }
        return (int) sys(NR.dup3, oldfd, newfd, 0, 0);
    }

    @Override
    public int fcntl(int fd, int cmd, int arg) {
        return (int) sys(NR.fcntl, fd, cmd, arg, 0);
    }

    @Override
    public int fcntlPointer(int fd, int cmd, long arg) {
        return (int) sys(NR.fcntl, fd, cmd, arg, 0);
    }

    @Override
    public int open(String path, int flags, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) sys(NR.openat, AT_FDCWD, cString(arena, path).address(), flags, mode);
        }
    }

    @Override
    public int memfdCreate(String name, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) sys(NR.memfdCreate, cString(arena, name).address(), flags & 0xFFFFFFFFL, 0, 0);
        }
    }

    @Override
    public int inotifyInit1(int flags) {
        return (int) sys(NR.inotifyInit1, flags, 0, 0, 0);
    }

    @Override
    public int inotifyAddWatch(int fd, String path, int mask) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) sys(NR.inotifyAddWatch, fd, cString(arena, path).address(), mask & 0xFFFFFFFFL, 0);
        }
    }

    @Override
    public int inotifyRmWatch(int fd, int wd) {
        return (int) sys(NR.inotifyRmWatch, fd, wd, 0, 0);
    }

    @Override
    public int fallocate(int fd, int mode, long offset, long len) {
        return (int) sys(NR.fallocate, fd, mode, offset, len);
    }

    @Override
    public long lseek(int fd, long offset, int whence) {
        return sys(NR.lseek, fd, offset, whence, 0);
    }

    @Override
    public int fchmod(int fd, int mode) {
        return (int) sys(NR.fchmod, fd, mode, 0, 0);
    }

    @Override
    public int fflushAll() {
        int rc;
        try {
            rc = (int) (long) FFLUSH.invokeExact(0L, 0L, 0L, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw unchecked(t);
        }
        return flushed(rc);
    }

    @Override
    public int fflushStdStreams() {
        int out = flushStream(STDOUT);
        int err = flushStream(STDERR);
        return out < 0 ? out : err;
    }

    /** fflush of the stream {@code variable} holds now; never fflush(NULL). */
    private static int flushStream(MemorySegment variable) {
        MemorySegment stream = variable.get(ADDRESS, 0);
        if (stream.address() == 0) {
            return 0;
        }
        int rc;
        try {
            rc = (int) (long) FFLUSH.invokeExact(stream.address(), 0L, 0L, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw unchecked(t);
        }
        return flushed(rc);
    }

    @Override
    public String strerror(int errno) {
        MemorySegment text;
        try {
            text = (MemorySegment) Strerror.HANDLE.invokeExact(errno);
        } catch (Throwable t) {
            throw unchecked(t);
        }
        return text.equals(MemorySegment.NULL) ? null : text.reinterpret(1024).getString(0);
    }

    /**
     * fflush's answer: 0, or -EIO for any failure. Its errno is not captured (the
     * callers only ask whether it worked, {@link Libc#flushAll}), and a failed
     * fflush is not repeated to learn it: what a repeat would write again is
     * glibc's business.
     */
    private static int flushed(int rc) {
        return rc == 0 ? 0 : -Errno.EIO;
    }

    /**
     * The system call with errno captured ({@link Linker.Option#captureCallState}:
     * the JVM may change errno between two downcalls), linked at the first
     * failure or the first close, not on the way to the first redirection.
     */
    private static final class Capturing {
        static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        static final ThreadLocal<MemorySegment> STATE =
                ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));
        static final MethodHandle SYSCALL = LINKER.downcallHandle(symbol("syscall"), SHAPE,
                Linker.Option.captureCallState("errno"));
    }

    /**
     * {@code syscall(SYS_pread64, fd, buf, count, offset)} as a critical call that
     * writes straight into a Java array (no copy through native memory). Only for
     * files that never block, such as a memfd: the GC waits while it runs. No
     * errno: on failure it asks again through {@link #sys}. Linked once the
     * process has read more than a little, never on the way to a redirection: the
     * symbol is the one {@link #SYSCALL} already found, and native access was
     * checked before anything was linked, so linking it cannot fail or warn.
     */
    private static final class PreadHeap {
        static final MethodHandle HANDLE = LINKER.downcallHandle(symbol("syscall"),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG),
                Linker.Option.critical(true));
    }

    /** {@code char *strerror(int)}, linked at the first failure: only messages need it. */
    private static final class Strerror {
        static final MethodHandle HANDLE = LINKER.downcallHandle(symbol("strerror"),
                FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    /**
     * {@code s} as a NUL-terminated UTF-8 string in native memory, copied through
     * a byte-buffer view: {@code Arena.allocateFrom(String)} builds var handles at
     * its first use, about 7 ms of a first capture here.
     */
    private static MemorySegment cString(Arena arena, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        MemorySegment string = arena.allocate(bytes.length + 1); // zeroed: the NUL is there
        string.asByteBuffer().put(bytes);
        return string;
    }

    private static MemorySegment symbol(String name) {
        // Not orElseThrow(supplier): its lambda would be spun on the way to the first capture.
        java.util.Optional<MemorySegment> symbol = LIBC.find(name);
        if (symbol.isEmpty()) {
            throw new UnsatisfiedLinkError("libc has no symbol " + name);
        }
        return symbol.get();
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
