package dev.fdcapture;

import dev.fdcapture.internal.posix.Libc;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Each run of the suite (FFM on 22+, JNA forced on 22+, JNA on 17) really uses the backend it says. */
class BackendTest {
    @Test
    void the_suite_runs_on_the_backend_its_build_execution_names() {
        String expected = System.getProperty("fdcapture.expected.backend");
        assumeTrue(expected != null, "not run by the build");
        assertTrue(NativeOutput.isSupported(), () -> NativeOutput.unsupportedCause().orElse(""));
        assertEquals(expected, Libc.backend());
        if (Runtime.version().feature() < 22) {
            assertEquals("jna", Libc.backend(), "Java 17-21 has no FFM backend");
        }
    }

    @Test
    void errno_and_its_text_are_exact_on_this_backend() {
        CaptureException e = org.junit.jupiter.api.Assertions.assertThrows(CaptureException.class,
                () -> Libc.dup2(987_654, 1));
        assertEquals("dup2(987654, 1) failed: EBADF (Bad file descriptor)", e.getMessage());
        assertEquals(9, e.errno());
        CaptureException open = org.junit.jupiter.api.Assertions.assertThrows(CaptureException.class,
                () -> Libc.open("/nonexistent/fdcapture", Libc.O_WRONLY | Libc.O_CLOEXEC, 0));
        assertEquals("open(\"/nonexistent/fdcapture\", O_WRONLY|O_CLOEXEC) failed: ENOENT (No such file or directory)",
                open.getMessage());
        // close is never repeated to learn its errno (the FFM backend's common
        // shape captures none): it has a capturing call of its own.
        CaptureException close = org.junit.jupiter.api.Assertions.assertThrows(CaptureException.class,
                () -> Libc.close(987_654));
        assertEquals("close(987654) failed: EBADF (Bad file descriptor)", close.getMessage());
    }

    @Test
    void paths_reach_the_kernel_as_utf_8_whole_and_nul_terminated(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        // Java names files in sun.jnu.encoding (the locale's); the check below needs it to be UTF-8.
        assumeTrue("UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding")), "file names are not UTF-8 here");
        // Non-ASCII, and longer than any earlier string, so a missing terminator would show as garbage.
        java.nio.file.Path file = dir.resolve("sp\u00f6ol-\u65e5\u672c-" + "x".repeat(200) + ".log");
        int fd = Libc.open(file.toString(), Libc.O_WRONLY | Libc.O_CREAT | Libc.O_CLOEXEC, 0600);
        Libc.close(fd);
        assertTrue(java.nio.file.Files.exists(file), "created under its own name: " + file);
        try (java.util.stream.Stream<java.nio.file.Path> all = java.nio.file.Files.list(dir)) {
            assertEquals(java.util.List.of(file), all.toList());
        }
    }
}
