package dev.fdcapture;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** Real native writers for tests: libc called through FFM, no Java stream involved. */
final class NativeWriters {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final MethodHandle WRITE = LINKER.downcallHandle(LIBC.find("write").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle PUTS = LINKER.downcallHandle(LIBC.find("puts").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle PRINTF = LINKER.downcallHandle(LIBC.find("printf").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle FPRINTF = LINKER.downcallHandle(LIBC.find("fprintf").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final MemorySegment STDERR = LIBC.find("stderr").orElseThrow()
            .reinterpret(ADDRESS.byteSize()).get(ADDRESS, 0);

    private NativeWriters() {
    }

    /** {@code write(fd, bytes, len)} until all is written. */
    static void write(int fd, byte[] bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, bytes.length));
            MemorySegment.copy(bytes, 0, buf, JAVA_BYTE_LAYOUT, 0, bytes.length);
            write(fd, buf, bytes.length);
        }
    }

    static void write(int fd, String text) {
        write(fd, text.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code write(fd, segment, len)} until all is written. */
    static void write(int fd, MemorySegment buf, long len) {
        long done = 0;
        while (done < len) {
            long n;
            try {
                n = (long) WRITE.invokeExact(fd, buf.asSlice(done), len - done);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            if (n < 0) {
                throw new AssertionError("write(" + fd + ") failed");
            }
            done += n;
        }
    }

    /** libc {@code puts}: through stdio's stdout buffer. */
    static void puts(String text) {
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) PUTS.invokeExact(arena.allocateFrom(text));
            if (rc < 0) {
                throw new AssertionError("puts failed");
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** libc {@code printf("%s", text)}: through stdio's stdout buffer. */
    static void printf(String text) {
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) PRINTF.invokeExact(arena.allocateFrom("%s"), arena.allocateFrom(text));
            if (rc < 0) {
                throw new AssertionError("printf failed");
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** libc {@code fprintf(stderr, "%s", text)}: unbuffered stdio stderr. */
    static void fprintfStderr(String text) {
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) FPRINTF.invokeExact(STDERR, arena.allocateFrom("%s"), arena.allocateFrom(text));
            if (rc < 0) {
                throw new AssertionError("fprintf failed");
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final java.lang.foreign.ValueLayout.OfByte JAVA_BYTE_LAYOUT = java.lang.foreign.ValueLayout.JAVA_BYTE;

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException e) {
            return e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new RuntimeException(t);
    }
}
