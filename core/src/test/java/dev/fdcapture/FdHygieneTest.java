package dev.fdcapture;

import dev.fdcapture.internal.Spool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 2 point 10: many start/close cycles leak no descriptor (wurlitzer #5,
 * #46) and leave fd 1 and fd 2 where they were.
 */
class FdHygieneTest {
    private static final int CYCLES = 100_000;

    @org.junit.jupiter.api.BeforeEach
    void warmUpTheTestsOwnWriters() {
        // JNA keeps a libffi temp file open once set up; not a descriptor of ours (see FdLevelTest).
        NativeWriters.warmUp();
    }

    /**
     * Every kind of route in turn: a spool on fd 1, a spool on fd 2, one spool on
     * both, and /dev/null on both (no reader). A failed start is counted, not
     * thrown, so one run reports both the failures and the descriptor balance.
     * Takes about 6 s here (about 60 us a cycle). Reader threads keep one inotify
     * instance each for their life (closing one waits for an RCU grace period,
     * ~16 ms); when captures closed their own, this loop used up
     * fs.inotify.max_user_instances and about 0.5% of starts failed with EMFILE.
     */
    @Test
    @Timeout(150)
    void a_hundred_thousand_start_close_cycles_leak_no_descriptor_and_leave_fd_1_and_2_where_they_were()
            throws Exception {
        String before1 = Fds.identity(1);
        String before2 = Fds.identity(2);
        long baseline = quiescentOpenCount();
        int failures = 0;
        int firstFailureAt = -1;
        RuntimeException firstFailure = null;
        long t0 = System.nanoTime();
        for (int i = 0; i < CYCLES; i++) {
            try {
                switch (i & 3) {
                    case 0 -> NativeOutput.redirect().stdout(Sink.buffer()).start().close();
                    case 1 -> NativeOutput.tapStderr(() -> { });
                    case 2 -> NativeOutput.captureMerged(() -> { });
                    default -> NativeOutput.silence(() -> { });
                }
            } catch (CaptureException e) {
                if (failures++ == 0) {
                    firstFailure = e;
                    firstFailureAt = i;
                }
                Thread.sleep(5);
            }
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        long right = Fds.snapshot().size();
        long after = quiescentOpenCount();
        System.out.printf("%d start/close cycles took %d ms (%.1f us each), %d failed; open descriptors:"
                + " %d before, %d right after the last close, %d once quiet%n",
                CYCLES, millis, millis * 1000.0 / CYCLES, failures, baseline, right, after);

        int failed = failures;
        String first = firstFailure == null ? "" : " (first at cycle " + firstFailureAt + ": " + firstFailure + ")";
        assertAll(
                () -> assertEquals(before1, Fds.identity(1), "fd 1"),
                () -> assertEquals(before2, Fds.identity(2), "fd 2"),
                () -> assertEquals(baseline, after, "open descriptors before and after " + CYCLES + " cycles"),
                () -> assertEquals(0, failed, "cycles whose start failed" + first),
                () -> assertTrue(Fds.inotifyCount() <= Fds.allowedInotify(), "an inotify instance per reader thread"));
    }

    /**
     * The restore checks of STYLE.md compare the descriptor count right after
     * a capture: once close() has returned, the redirection's own descriptors
     * (spool, saved copies) must be closed too.
     */
    @Test
    @Timeout(30)
    void once_close_returns_the_redirections_own_descriptors_are_closed() throws Exception {
        long baseline = quiescentOpenCount();
        long[] right = new long[20];
        for (int i = 0; i < right.length; i++) {
            NativeOutput.capture(() -> NativeWriters.write(1, "x"));
            right[i] = Fds.snapshot().size();
            Thread.sleep(50);
        }
        assertEquals(Arrays.toString(filled(right.length, baseline)), Arrays.toString(right),
                "open descriptors right after each of " + right.length + " captures (before: " + baseline + ")");
    }

    /**
     * A capture that ends empty leaves its spool file for the next capture of
     * the same kind, which the leak checks above leave out: here, every
     * descriptor counts, and nested empty captures of every kind, over and over,
     * leave at most one idle file per kind (stdout, stderr, merged).
     */
    @Test
    @Timeout(30)
    void idle_spools_kept_for_reuse_are_at_most_one_per_kind_and_do_not_pile_up() throws Exception {
        NativeOutput.capture(() -> { });
        NativeOutput.captureMerged(() -> { });
        long baseline = quiescentCount(Fds::openCount);
        for (int i = 0; i < 100; i++) {
            try (Redirection a = NativeOutput.redirect().stdout(Sink.buffer()).stderr(Sink.buffer()).start();
                 Redirection b = NativeOutput.redirect().stdout(Sink.buffer()).stderr(Sink.buffer()).start();
                 Redirection c = NativeOutput.redirect().stdout(Sink.buffer()).stderr(Sink.intoStdout()).start()) {
                assertTrue(a.isOpen() && b.isOpen() && c.isOpen());
            }
        }
        assertAll(
                () -> assertEquals(3, Spool.idleDescriptors().size(), "idle spool files"),
                () -> assertEquals(baseline, quiescentCount(Fds::openCount),
                        "every open descriptor, after 100 rounds of nested empty captures"));
    }

    private static long[] filled(int n, long value) {
        long[] a = new long[n];
        Arrays.fill(a, value);
        return a;
    }

    /** The open descriptor count once it has stopped changing (readers of earlier tests finished). */
    private static long quiescentOpenCount() throws InterruptedException {
        return quiescentCount(() -> Fds.snapshot().size());
    }

    private static long quiescentCount(java.util.function.LongSupplier count) throws InterruptedException {
        long last = count.getAsLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
            Thread.sleep(200);
            long now = count.getAsLong();
            if (now == last) {
                return now;
            }
            last = now;
        }
        return last;
    }
}
