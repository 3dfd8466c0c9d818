package dev.fdcapture.junit;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;

import java.nio.charset.StandardCharsets;

/**
 * Real native writers for tests: libc through JNA (on every Java version the
 * suite runs on, 17 included), no Java stream involved; and child processes.
 */
final class Libc {
    /** The C library, as JNA maps it. */
    private interface C extends Library {
        long write(int fd, byte[] buf, long count);

        int puts(String s);
    }

    private static final C LIBC = Native.load(Platform.C_LIBRARY_NAME, C.class);

    private Libc() {
    }

    /** {@code write(fd, text, len)}: one system call, as C code would make it. */
    static void write(int fd, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        long n = LIBC.write(fd, bytes, bytes.length);
        if (n != bytes.length) {
            throw new AssertionError("write(" + fd + ") wrote " + n + " of " + bytes.length);
        }
    }

    /** libc {@code puts}: through stdio's buffer, which is full-buffered when fd 1 is not a terminal. */
    static void puts(String text) {
        if (LIBC.puts(text) < 0) {
            throw new AssertionError("puts failed");
        }
    }

    /** A child process that writes to the fds it inherited: a real native writer on every JDK. */
    static void shell(String script) {
        try {
            int rc = new ProcessBuilder("sh", "-c", script).inheritIO().start().waitFor();
            if (rc != 0) {
                throw new AssertionError("sh -c '" + script + "' exited with " + rc);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The device and inode fd refers to, like fstat's st_dev and st_ino. */
    static String identity(int fd) {
        java.nio.file.Path p = java.nio.file.Path.of("/proc/self/fd/" + fd);
        try {
            return java.nio.file.Files.getAttribute(p, "unix:dev") + ":"
                    + java.nio.file.Files.getAttribute(p, "unix:ino");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
