package dev.fdcapture;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

import java.nio.charset.StandardCharsets;

/**
 * Real native writers for tests: libc called through JNA (on every Java version
 * the suite runs on, 17 included), no Java stream involved. JNA here is the
 * tests' own way to reach libc, independent of the backend under test.
 */
final class NativeWriters {
    private static final NativeLibrary LIBC = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME);
    private static final Stdio STDIO = Native.load(Platform.C_LIBRARY_NAME, Stdio.class);
    private static final Pointer STDERR = LIBC.getGlobalVariableAddress("stderr").getPointer(0);

    static {
        Native.register(Direct.class, LIBC);
    }

    private NativeWriters() {
    }

    /**
     * Makes JNA set up everything it opens lazily (libffi keeps a deleted temp file
     * open for its trampolines after the first variadic call), so that a test's
     * descriptor snapshot does not see it appear.
     */
    static void warmUp() {
        STDIO.printf("%s", "");
    }

    /** Direct-mapped calls. */
    private static final class Direct {
        static native long write(int fd, Pointer buf, long count);

        static native int puts(String s);

        static native Pointer fopen(String path, String mode);

        static native int fputs(String s, Pointer stream);

        static native int fclose(Pointer stream);
    }

    /** Variadic stdio calls, which need JNA's interface mapping. */
    private interface Stdio extends Library {
        int printf(String format, Object... args);

        int fprintf(Pointer stream, String format, Object... args);

        int dprintf(int fd, String format, Object... args);
    }

    /** Native memory for bulk writers; freed when unreachable. */
    static Memory allocate(long bytes) {
        return new Memory(bytes);
    }

    /** {@code write(fd, bytes, len)} until all is written. */
    static void write(int fd, byte[] bytes) {
        Memory buf = new Memory(Math.max(1, bytes.length));
        buf.write(0, bytes, 0, bytes.length);
        write(fd, buf, bytes.length);
    }

    static void write(int fd, String text) {
        write(fd, text.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code write(fd, buf, len)} until all is written. */
    static void write(int fd, Pointer buf, long len) {
        long done = 0;
        while (done < len) {
            long n = Direct.write(fd, buf.share(done), len - done);
            if (n < 0) {
                throw new AssertionError("write(" + fd + ") failed: errno " + Native.getLastError());
            }
            done += n;
        }
    }

    /** One {@code write(fd, buf, len)}: what it returned, or {@code -errno}. */
    static long tryWrite(int fd, Pointer buf, long len) {
        long n = Direct.write(fd, buf, len);
        return n < 0 ? -Native.getLastError() : n;
    }

    /** libc {@code puts}: through stdio's stdout buffer. */
    static void puts(String text) {
        if (Direct.puts(text) < 0) {
            throw new AssertionError("puts failed");
        }
    }

    /** libc {@code printf("%s", text)}: through stdio's stdout buffer. */
    static void printf(String text) {
        if (STDIO.printf("%s", text) < 0) {
            throw new AssertionError("printf failed");
        }
    }

    /** libc {@code fprintf(stderr, "%s", text)}: unbuffered stdio stderr. */
    static void fprintfStderr(String text) {
        if (STDIO.fprintf(STDERR, "%s", text) < 0) {
            throw new AssertionError("fprintf failed");
        }
    }

    /** libc {@code dprintf(fd, "%s", text)}: formatted through a stdio stream of its own, then written to {@code fd}. */
    static void dprintf(int fd, String text) {
        if (STDIO.dprintf(fd, "%s", text) < 0) {
            throw new AssertionError("dprintf failed");
        }
    }

    /** libc {@code fopen(path, mode)}: a fully buffered stdio stream of the test's own. */
    static Pointer fopen(String path, String mode) {
        Pointer stream = Direct.fopen(path, mode);
        if (stream == null) {
            throw new AssertionError("fopen(" + path + ") failed: errno " + Native.getLastError());
        }
        return stream;
    }

    /** libc {@code fputs(text, stream)}: into the stream's buffer. */
    static void fputs(String text, Pointer stream) {
        if (Direct.fputs(text, stream) < 0) {
            throw new AssertionError("fputs failed");
        }
    }

    /** libc {@code fclose(stream)}. */
    static void fclose(Pointer stream) {
        if (Direct.fclose(stream) != 0) {
            throw new AssertionError("fclose failed: errno " + Native.getLastError());
        }
    }
}
