package dev.fdcapture.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The benchmark's own native writers: libc called through FFM, the way a native
 * library in the same process would write. Nothing here goes through fdcapture
 * or a Java stream. Linked when the class initializes, before any capture.
 */
final class NativeIo {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();

    /** {@code ssize_t write(int fd, const void *buf, size_t count)} */
    private static final MethodHandle WRITE = handle("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    /** {@code int printf(const char *fmt, long long)}: the format takes exactly one {@code %lld}. */
    private static final MethodHandle PRINTF_LONG = handle("printf",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), Linker.Option.firstVariadicArg(1));
    /** {@code int snprintf(char *s, size_t n, const char *fmt, long long)} */
    private static final MethodHandle SNPRINTF_LONG = handle("snprintf",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG),
            Linker.Option.firstVariadicArg(3));
    /** {@code int fflush(FILE *stream)} */
    private static final MethodHandle FFLUSH = handle("fflush", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    /** {@code int nanosleep(const struct timespec *req, struct timespec *rem)} */
    private static final MethodHandle NANOSLEEP = handle("nanosleep",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    /** {@code int fstat(int fd, struct stat *st)} (a real symbol since glibc 2.33) */
    private static final MethodHandle FSTAT = handle("fstat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));

    /** {@code st_blocks} is at offset 64 in both the x86_64 and the generic (aarch64) {@code struct stat}. */
    private static final long ST_BLOCKS = 64;
    private static final ThreadLocal<MemorySegment> STAT =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(256, 8));

    private NativeIo() {
    }

    private static MethodHandle handle(String name, FunctionDescriptor fd, Linker.Option... options) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(), fd, options);
    }

    /** Forces linking (class initialization) outside any timed section or capture. */
    static void link() {
    }

    /** {@code write(fd, buf, len)} until all of it is written. */
    static void writeFully(int fd, MemorySegment buf, long len) {
        long done = 0;
        while (done < len) {
            long n = write(fd, done == 0 ? buf : buf.asSlice(done), len - done);
            if (n < 0) {
                throw new IllegalStateException("write(" + fd + ") failed");
            }
            done += n;
        }
    }

    static long write(int fd, MemorySegment buf, long len) {
        try {
            return (long) WRITE.invokeExact(fd, buf, len);
        } catch (Throwable t) {
            throw sneaky(t);
        }
    }

    static void printf(MemorySegment format, long arg) {
        int rc;
        try {
            rc = (int) PRINTF_LONG.invokeExact(format, arg);
        } catch (Throwable t) {
            throw sneaky(t);
        }
        if (rc < 0) {
            throw new IllegalStateException("printf failed");
        }
    }

    static int snprintf(MemorySegment dest, long size, MemorySegment format, long arg) {
        try {
            return (int) SNPRINTF_LONG.invokeExact(dest, size, format, arg);
        } catch (Throwable t) {
            throw sneaky(t);
        }
    }

    /** {@code fflush(NULL)}: every stdio output stream. */
    static void flushAll() {
        try {
            int rc = (int) FFLUSH.invokeExact(MemorySegment.NULL);
            if (rc != 0) {
                throw new IllegalStateException("fflush failed");
            }
        } catch (Throwable t) {
            throw sneaky(t);
        }
    }

    /** {@code nanosleep} with a prepared {@code struct timespec}, as the C reference sleeps. */
    static void nanosleep(MemorySegment timespec) {
        try {
            int rc = (int) NANOSLEEP.invokeExact(timespec, MemorySegment.NULL);
            if (rc != 0) {
                throw new IllegalStateException("nanosleep failed");
            }
        } catch (Throwable t) {
            throw sneaky(t);
        }
    }

    static MemorySegment timespec(Arena arena, long nanos) {
        MemorySegment ts = arena.allocate(16, 8);
        ts.set(JAVA_LONG, 0, nanos / 1_000_000_000L);
        ts.set(JAVA_LONG, 8, nanos % 1_000_000_000L);
        return ts;
    }

    /**
     * Memory allocated to the file {@code fd} refers to ({@code st_blocks * 512}), or
     * -1. For a capture's spool this is the backlog the kernel holds: shared memory,
     * charged to the memory cgroup but invisible in RSS.
     */
    static long allocatedBytes(int fd) {
        MemorySegment st = STAT.get();
        try {
            int rc = (int) FSTAT.invokeExact(fd, st);
            return rc == 0 ? st.get(JAVA_LONG, ST_BLOCKS) * 512 : -1;
        } catch (Throwable t) {
            throw sneaky(t);
        }
    }

    private static RuntimeException sneaky(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
