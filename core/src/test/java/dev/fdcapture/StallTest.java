package dev.fdcapture;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 7 point 3, HAZARDS.md item 12: a sink call that never returns kept
 * {@code close()} waiting forever. Slow sinks still get everything
 * ({@link FailureTest}); a stuck one is given up on after the stall limit.
 */
class StallTest extends FdLevelTest {

    @Test
    void close_gives_up_on_a_sink_call_that_does_not_return_within_the_stall_limit_and_says_so() throws Exception {
        String before = Fds.identity(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> got = Collections.synchronizedList(new ArrayList<>());
        Redirection r = NativeOutput.redirect().stallTimeout(Duration.ofMillis(300)).stdout(Sink.lines(line -> {
            got.add(line);
            if (line.equals("stuck")) {
                try {
                    release.await(60, TimeUnit.SECONDS); // a logger stuck on a dead network share
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        })).start();
        try {
            NativeWriters.write(1, "first\n");
            awaitTrue(() -> got.contains("first"));
            NativeWriters.write(1, "stuck\n");
            awaitTrue(() -> got.contains("stuck"));
            NativeWriters.write(1, "after 1\nafter 2\n");

            long t0 = System.nanoTime();
            CaptureException e = assertThrows(CaptureException.class, r::close);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(before, Fds.identity(1), "fd 1 is restored when close() returns");
            assertTrue(millis >= 250 && millis < 2500, "close() took " + millis + " ms with a 300 ms stall limit");
            assertTrue(e.getMessage().matches("the stdout sink stalled: one call on thread fdcapture-stdout-reader-\\d+"
                    + " has not returned for \\d+ ms \\(stallTimeout 300 ms\\); close\\(\\) stopped waiting for it,"
                    + " 22 bytes were not delivered, and the sink is not called again"), e.getMessage());
            assertEquals(0, e.errno());
            assertTrue(e.getCause().getMessage().startsWith("where fdcapture-stdout-reader-"), e.getCause()::toString);
            assertTrue(java.util.Arrays.stream(e.getCause().getStackTrace())
                    .anyMatch(f -> f.getClassName().equals(StallTest.class.getName())),
                    "the cause shows where the sink is stuck");
            assertEquals("stuck\nafter 1\nafter 2\n".length(), r.droppedBytes());
            assertEquals("first\n".length(), r.deliveredBytes());
            r.close(); // idempotent
        } finally {
            release.countDown();
        }
        // When the call returns, the reader lets go of everything (FdLevelTest checks) and calls the sink no more.
        awaitTrue(() -> Fds.snapshot().size() <= openBefore());
        Thread.sleep(100);
        assertEquals(List.of("first", "stuck"), got);
    }

    @Test
    void a_slow_sink_that_keeps_returning_is_never_cut_short_by_the_stall_limit() {
        List<String> got = Collections.synchronizedList(new ArrayList<>());
        try (Redirection r = NativeOutput.redirect().stallTimeout(Duration.ofMillis(200))
                .stdout(Sink.lines(line -> {
                    sleepMillis(20); // 400 lines x 20 ms = 8 s in all, far past the limit; each call is short
                    got.add(line);
                })).start()) {
            for (int i = 0; i < 400; i++) {
                NativeWriters.write(1, i + "\n");
            }
        }
        assertEquals(400, got.size());
    }

    @Test
    void a_stalled_stderr_logger_does_not_hold_back_stdout_nor_hang_close() throws Exception {
        // Both readers of one redirection share echo windows: a logger call stuck inside one
        // must not keep the other reader waiting for its window forever.
        CountDownLatch release = new CountDownLatch(1);
        Sink.Buffer out = Sink.buffer();
        Redirection r = NativeOutput.redirect().stallTimeout(Duration.ofMillis(300)).stdout(out)
                .stderr(Sink.logLines((origin, line) -> {
                    try {
                        release.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                })).start();
        try {
            NativeWriters.write(2, "stuck in a logger\n");
            Thread.sleep(50);
            NativeWriters.write(1, "stdout goes on\n");
            CaptureException e = assertThrows(CaptureException.class, r::close);
            assertTrue(e.getMessage().startsWith("the stderr sink stalled: "), e.getMessage());
            assertEquals("stdout goes on\n", out.text());
        } finally {
            release.countDown();
        }
        awaitTrue(() -> Fds.snapshot().size() <= openBefore());
    }

    private int openBefore = -1;

    private int openBefore() {
        return openBefore;
    }

    @org.junit.jupiter.api.BeforeEach
    void countOpen() {
        openBefore = Fds.snapshot().size();
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                fail("not true within 10 s");
            }
            Thread.sleep(5);
        }
    }
}
