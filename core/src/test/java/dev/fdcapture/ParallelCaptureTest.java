package dev.fdcapture;

import dev.fdcapture.internal.ScopedCaptures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 7 point 5, HAZARDS.md item 14: fds belong to the process, so two scoped
 * captures at once mixed their output (1 and 99 of 2 x 50 lines). Scoped entry
 * points run one at a time, re-entrant on one thread.
 */
class ParallelCaptureTest extends FdLevelTest {

    @AfterEach
    void defaultWait() {
        ScopedCaptures.waitLimit(ScopedCaptures.DEFAULT_WAIT);
    }

    @Test
    void scoped_captures_on_parallel_threads_each_get_exactly_their_own_lines() throws Exception {
        int threads = 4;
        int lines = 50;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < 5; round++) {
                CyclicBarrier together = new CyclicBarrier(threads);
                List<Future<String>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    results.add(pool.submit(() -> {
                        together.await(10, TimeUnit.SECONDS);
                        Body body = () -> {
                            for (int i = 0; i < lines; i++) {
                                NativeWriters.write(id % 2 == 0 ? 1 : 2, "thread " + id + " line " + i + "\n");
                                Thread.yield();
                            }
                        };
                        switch (id) {
                            case 0:
                                return NativeOutput.capture(body::run).stdout();
                            case 1:
                                return NativeOutput.tapStderr(body::run);
                            case 2:
                                return NativeOutput.captureMerged(body::run);
                            default:
                                return NativeOutput.capture(body::run).stderr();
                        }
                    }));
                }
                for (int t = 0; t < threads; t++) {
                    StringBuilder expected = new StringBuilder();
                    for (int i = 0; i < lines; i++) {
                        expected.append("thread ").append(t).append(" line ").append(i).append('\n');
                    }
                    assertEquals(expected.toString(), results.get(t).get(30, TimeUnit.SECONDS),
                            "round " + round + ", thread " + t);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void a_scoped_capture_nests_inside_another_on_the_same_thread() {
        Captured outer = NativeOutput.capture(() -> {
            NativeWriters.write(1, "outer before\n");
            String inner = NativeOutput.tapStdout(() -> NativeWriters.write(1, "inner\n"));
            NativeWriters.write(1, "outer after, inner got " + inner);
        });
        assertEquals("outer before\nouter after, inner got inner\n", outer.stdout());
    }

    @Test
    void a_body_that_waits_for_a_thread_waiting_to_capture_gets_a_clear_error_after_a_bounded_wait()
            throws Exception {
        ScopedCaptures.waitLimit(Duration.ofMillis(500));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long[] waited = new long[1];
        Captured c = NativeOutput.capture(() -> {
            Thread other = new Thread(() -> {
                long t0 = System.nanoTime();
                try {
                    NativeOutput.tapStdout(() -> NativeWriters.write(1, "never captured\n"));
                } catch (Throwable t) {
                    failure.set(t);
                } finally {
                    waited[0] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                }
            }, "waits-to-capture");
            other.start();
            other.join(10_000);
            NativeWriters.write(1, "body done\n");
        });
        assertEquals("body done\n", c.stdout());
        Throwable t = failure.get();
        assertNotNull(t, "the waiting capture must fail, not hang");
        assertInstanceOf(CaptureException.class, t);
        String m = t.getMessage();
        assertTrue(m.startsWith("a scoped capture waited 500 ms for the one running on thread \"main\"")
                || m.matches("a scoped capture waited 500 ms for the one running on thread \"[^\"]+\".*"), m);
        assertTrue(m.contains("scoped captures run one at a time"), m);
        assertTrue(waited[0] >= 450 && waited[0] < 5000, "waited " + waited[0] + " ms");
        // Nothing else broke: the next capture on this thread works.
        assertEquals("after\n", NativeOutput.tapStdout(() -> NativeWriters.write(1, "after\n")));
    }

    @FunctionalInterface
    private interface Body {
        void run() throws Exception;
    }
}
