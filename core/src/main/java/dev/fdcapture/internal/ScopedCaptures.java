package dev.fdcapture.internal;

import dev.fdcapture.CaptureException;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs the scoped entry points ({@code capture}, {@code captureMerged},
 * {@code tapStdout}, {@code tapStderr}, {@code silence}) one at a time in the
 * whole process: fds belong to the process, so two captures open at once would
 * each get the other's output (HAZARDS.md item 14). Re-entrant, so a capture
 * nests inside another on the same thread.
 *
 * <p>A body that waits for another thread which is itself waiting to capture
 * would deadlock; the wait is bounded instead, and the waiting capture fails
 * with a {@link CaptureException} that says who holds the turn and for how long.
 */
public final class ScopedCaptures {
    /** How long a scoped capture waits for its turn unless a test says otherwise. */
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);

    private static final Turn TURN = new Turn();
    private static volatile long waitNanos = DEFAULT_WAIT.toNanos();
    /** When the current holder took its outermost turn; written by the holder only. */
    private static volatile long heldSince;

    private ScopedCaptures() {
    }

    /** A fair lock that names its owner. */
    private static final class Turn extends ReentrantLock {
        private static final long serialVersionUID = 1L;

        Turn() {
            super(true);
        }

        Thread holder() {
            return getOwner();
        }
    }

    /**
     * Waits for this thread's turn (at once when it holds it already).
     *
     * @throws CaptureException if another thread's scoped capture holds it longer than the bounded wait,
     *                          or this thread is interrupted while waiting (the flag is set again)
     */
    public static void enter() {
        if (TURN.isHeldByCurrentThread()) {
            TURN.lock();
            return;
        }
        long limit = waitNanos;
        long t0 = System.nanoTime();
        try {
            if (TURN.tryLock(limit, TimeUnit.NANOSECONDS)) {
                heldSince = System.nanoTime();
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CaptureException("interrupted while waiting for another thread's scoped capture to end", e);
        }
        Thread holder = TURN.holder();
        long now = System.nanoTime();
        String who = holder == null ? "another thread" : "thread \"" + holder.getName() + "\"";
        String running = holder == null ? ""
                : ", running for " + TimeUnit.NANOSECONDS.toMillis(now - heldSince) + " ms";
        throw new CaptureException("a scoped capture waited " + TimeUnit.NANOSECONDS.toMillis(limit)
                + " ms for the one running on " + who + running + ": scoped captures run one at a time,"
                + " since fds belong to the whole process. If that capture's body waits for this thread,"
                + " capture in that body instead (captures nest on one thread), or use NativeOutput.redirect()",
                null);
    }

    /** Ends the turn taken by the matching {@link #enter()}. */
    public static void exit() {
        TURN.unlock();
    }

    /** For tests: how long {@link #enter()} waits before it fails. */
    public static void waitLimit(Duration limit) {
        waitNanos = limit.toNanos();
    }
}
