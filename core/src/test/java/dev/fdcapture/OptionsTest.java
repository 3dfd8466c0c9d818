package dev.fdcapture;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Misuse is refused with a message that says what to do, before any fd is touched. */
class OptionsTest extends FdLevelTest {

    private static String refusal(RedirectBuilder builder) {
        return assertThrows(IllegalArgumentException.class, builder::start).getMessage();
    }

    @Test
    void into_stdout_is_for_stderr_only() {
        assertEquals("intoStdout() is for stderr only: stderr(Sink.intoStdout())",
                refusal(NativeOutput.redirect().stdout(Sink.intoStdout())));
        assertEquals("intoStdout() cannot be part of a tee; use it alone as the stderr sink",
                assertThrows(IllegalArgumentException.class,
                        () -> Sink.tee(Sink.buffer(), Sink.intoStdout())).getMessage());
    }

    @Test
    void a_charset_that_is_not_ascii_compatible_is_refused() {
        assertTrue(refusal(NativeOutput.redirect().stdout(Sink.buffer()).charset(StandardCharsets.UTF_16))
                .startsWith("charset UTF-16 does not encode '\\n' as the byte 0x0A"));
    }

    @Test
    void out_of_range_numbers_are_refused() {
        RedirectBuilder b = NativeOutput.redirect().stdout(Sink.buffer());
        assertEquals("flushInterval must be positive: PT0S", refusal(b.flushInterval(Duration.ZERO)));
        assertEquals("closeTimeout must not be negative: PT-1S", refusal(b.closeTimeout(Duration.ofSeconds(-1))));
        assertEquals("backlogLimit must be at least 1048576 bytes: 10", refusal(b.backlogLimit(10)));
        assertEquals("maxLineLength must be at least 4 bytes: 3", refusal(b.maxLineLength(3)));
        assertEquals("stallTimeout must be positive: PT0S", refusal(b.stallTimeout(Duration.ZERO)));
        assertEquals("stallTimeout must be positive: PT-1S", refusal(b.stallTimeout(Duration.ofSeconds(-1))));
    }

    @Test
    void nulls_are_refused_at_once_with_the_parameter_name() {
        RedirectBuilder b = NativeOutput.redirect();
        assertEquals("sink", assertThrows(NullPointerException.class, () -> b.stdout(null)).getMessage());
        assertEquals("charset", assertThrows(NullPointerException.class, () -> b.charset(null)).getMessage());
        assertEquals("timeout", assertThrows(NullPointerException.class, () -> b.stallTimeout(null)).getMessage());
        assertEquals("consumer", assertThrows(NullPointerException.class, () -> Sink.lines(null)).getMessage());
        assertEquals("body", assertThrows(NullPointerException.class,
                () -> NativeOutput.capture(null)).getMessage());
    }

    @Test
    void the_builder_is_immutable_so_one_can_be_shared_and_started_repeatedly() {
        RedirectBuilder base = NativeOutput.redirect();
        RedirectBuilder withOut = base.stdout(Sink.buffer());
        assertNotSame(base, withOut);
        // base still redirects nothing:
        String before = Fds.identity(1);
        try (Redirection r = base.start()) {
            assertEquals(before, Fds.identity(1));
        }
        for (int i = 0; i < 3; i++) {
            try (Redirection r = withOut.start()) {
                assertTrue(r.isOpen());
            }
        }
    }

    @Test
    void tee_flattens_and_simplifies() {
        Sink.Buffer b = Sink.buffer();
        assertSame(b, Sink.tee(b));
        assertSame(Sink.discard(), Sink.tee());
        assertSame(b, Sink.tee(Sink.discard(), b));
        assertEquals(Sink.tee(b, Sink.original(), b), Sink.tee(Sink.tee(b, Sink.original()), b));
    }

    @Test
    void the_defaults_are_a_30_s_stall_limit_and_a_backlog_limit_that_follows_the_memory_cgroup() {
        assertEquals(Duration.ofSeconds(30), Options.DEFAULTS.stallTimeout());
        // Issue 7 point 11: 256 MiB, or 1/16 of the cgroup's memory limit (MemoryLimitTest covers the reading).
        assertEquals(dev.fdcapture.internal.MemoryLimit.defaultBacklog(), Options.DEFAULTS.backlogLimit());
        assertTrue(Options.DEFAULTS.backlogLimit() <= 256L << 20);
    }

    @Test
    void capture_is_supported_in_this_jvm() {
        assertTrue(NativeOutput.isSupported(), () -> NativeOutput.unsupportedCause().orElse(""));
        assertEquals(java.util.Optional.empty(), NativeOutput.unsupportedCause());
        NativeOutput.ensureSupported();
    }
}
