package dev.fdcapture.internal.posix;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@link Posix} through the Foreign Function and Memory API (Java 22+), in the
 * style of jextract: one handle per function, {@code invokeExact}, errno captured
 * with {@link Linker.Option#captureCallState}. Compiled at release 22 and loaded
 * only there (see {@link Backend}).
 *
 * <p>All handles are linked when this class initializes, so linker errors and
 * the JVM's native-access warnings happen before any redirection, never inside
 * a capture. {@link Backend} checks {@link Module#isNativeAccessEnabled()} first.
 */
final class FfmPosix implements Posix {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));

    private static final MethodHandle WRITE = errnoHandle("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle READ = errnoHandle("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle PREAD = errnoHandle("pread",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    /**
     * {@code pread} as a critical call that writes straight into a Java array (no
     * copy through native memory). Only for files that never block, such as a
     * memfd: the GC waits while it runs. No errno: on failure it asks again through
     * {@link #PREAD}.
     */
    private static final MethodHandle PREAD_HEAP = LINKER.downcallHandle(symbol("pread"),
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG),
            Linker.Option.critical(true));
    private static final MethodHandle CLOSE = errnoHandle("close",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle DUP2 = errnoHandle("dup2",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle FCNTL = errnoHandle("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle FCNTL_POINTER = errnoHandle("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle INOTIFY_RM_WATCH = errnoHandle("inotify_rm_watch",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle OPEN = errnoHandle("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle MEMFD_CREATE = errnoHandle("memfd_create",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle INOTIFY_INIT1 = errnoHandle("inotify_init1",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle INOTIFY_ADD_WATCH = errnoHandle("inotify_add_watch",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FALLOCATE = errnoHandle("fallocate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle LSEEK = errnoHandle("lseek",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle FCHMOD = errnoHandle("fchmod",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle FFLUSH = errnoHandle("fflush",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(symbol("strerror"),
            FunctionDescriptor.of(ADDRESS, JAVA_INT));
    /** The variables {@code stdout} and {@code stderr} (not the streams: a program may assign them). */
    private static final MemorySegment STDOUT = symbol("stdout").reinterpret(ADDRESS.byteSize());
    private static final MemorySegment STDERR = symbol("stderr").reinterpret(ADDRESS.byteSize());

    FfmPosix() {
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

    @Override
    public long write(int fd, long buf, long count) {
        MemorySegment state = STATE.get();
        try {
            return check((long) WRITE.invokeExact(state, fd, buf, count), state);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    @Override
    public long read(int fd, long buf, long count) {
        MemorySegment state = STATE.get();
        try {
            return check((long) READ.invokeExact(state, fd, buf, count), state);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    @Override
    public long pread(int fd, long buf, long count, long offset) {
        MemorySegment state = STATE.get();
        try {
            return check((long) PREAD.invokeExact(state, fd, buf, count, offset), state);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    @Override
    public long preadArray(int fd, byte[] array, int count, long offset) {
        long n;
        try {
            n = (long) PREAD_HEAP.invokeExact(fd, MemorySegment.ofArray(array), (long) count, offset);
        } catch (Throwable t) {
            throw unchecked(t);
        }
        if (n >= 0) {
            return n;
        }
        // Rare (EINTR, or a real error): the errno-capturing call reports it.
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(count);
            long m = pread(fd, buf.address(), count, offset);
            if (m > 0) {
                MemorySegment.copy(buf, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, array, 0, (int) m);
            }
            return m;
        }
    }

    @Override
    public int close(int fd) {
        MemorySegment state = STATE.get();
        try {
            return check((int) CLOSE.invokeExact(state, fd), state);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    @Override
    public int dup2(int oldfd, int newfd) {
        MemorySegment state = STATE.get();
        try {
            return check((int) DUP2.invokeExact(state, oldfd, newfd), state);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    @Override
    public int fcntl(int fd, int cmd, int arg) {
        MemorySegment state = STATE.get();
        try {
            return check((int) FCNTL.invokeExact(state, fd, cmd, arg), state);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    @Override
    public int fcntlPointer(int fd, int cmd, long arg) {
        MemorySegment state = STATE.get();
        try {
            return check((int) FCNTL_POINTER.invokeExact(state, fd, cmd, arg), state);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    @Override
    public int open(String path, int flags, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = STATE.get();
            try {
                return check((int) OPEN.invokeExact(state, arena.allocateFrom(path), flags, mode), state);
            } catch (Throwable t) {
                throw unchecked(t);
            }
        }
    }

    @Override
    public int memfdCreate(String name, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = STATE.get();
            try {
                return check((int) MEMFD_CREATE.invokeExact(state, arena.allocateFrom(name), flags), state);
            } catch (Throwable t) {
                throw unchecked(t);
            }
        }
    }

    @Override
    public int inotifyInit1(int flags) {
        MemorySegment state = STATE.get();
        try {
            return check((int) INOTIFY_INIT1.invokeExact(state, flags), state);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    @Override
    public int inotifyAddWatch(int fd, String path, int mask) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = STATE.get();
            try {
                return check((int) INOTIFY_ADD_WATCH.invokeExact(state, fd, arena.allocateFrom(path), mask), state);
            } catch (Throwable t) {
                throw unchecked(t);
            }
        }
    }

    @Override
    public int inotifyRmWatch(int fd, int wd) {
        MemorySegment state = STATE.get();
        try {
            return check((int) INOTIFY_RM_WATCH.invokeExact(state, fd, wd), state);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    @Override
    public int fallocate(int fd, int mode, long offset, long len) {
        MemorySegment state = STATE.get();
        try {
            return check((int) FALLOCATE.invokeExact(state, fd, mode, offset, len), state);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    @Override
    public long lseek(int fd, long offset, int whence) {
        MemorySegment state = STATE.get();
        try {
            return check((long) LSEEK.invokeExact(state, fd, offset, whence), state);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    @Override
    public int fchmod(int fd, int mode) {
        MemorySegment state = STATE.get();
        try {
            return check((int) FCHMOD.invokeExact(state, fd, mode), state);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    @Override
    public int fflushAll() {
        MemorySegment state = STATE.get();
        try {
            return check((int) FFLUSH.invokeExact(state, MemorySegment.NULL), state);
        } catch (Throwable t) {
            throw unchecked(t);
        }
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
        MemorySegment state = STATE.get();
        try {
            return check((int) FFLUSH.invokeExact(state, stream), state);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    @Override
    public String strerror(int errno) {
        MemorySegment text;
        try {
            text = (MemorySegment) STRERROR.invokeExact(errno);
        } catch (Throwable t) {
            throw unchecked(t);
        }
        return text.equals(MemorySegment.NULL) ? null : text.reinterpret(1024).getString(0);
    }

    private static long check(long rc, MemorySegment state) {
        return rc < 0 ? -(int) ERRNO.get(state, 0L) : rc;
    }

    private static int check(int rc, MemorySegment state) {
        return rc < 0 ? -(int) ERRNO.get(state, 0L) : rc;
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
