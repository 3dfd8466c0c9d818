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
}
