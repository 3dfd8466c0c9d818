package dev.fdcapture.agent;

import dev.fdcapture.Sink;

import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Knows when the agent's redirection has delivered everything: each redirected
 * fd's sink is teed with a {@link #marker()}, a {@link Sink#stream} whose final
 * flush (made once that fd's reader has delivered its last line) counts down.
 *
 * <p>Waiting for {@code Redirection.close()} to return would not do: whichever
 * shutdown hook closes the redirection first does the work, and a second
 * {@code close()} returns at once. {@link FdcaptureLogManager} waits here before
 * {@code java.util.logging} closes its handlers at exit.
 */
final class ExitDrain {
    /** How long JUL's reset waits at most: as long as a stuck sink may hold up exit. */
    static final Duration LIMIT = Duration.ofSeconds(30);

    private static volatile ExitDrain current;

    private final CountDownLatch pending;
    /** Run once on the thread that completes the drain, when that happens during JVM shutdown. */
    private volatile Runnable atExit = () -> { };

    private ExitDrain(int fds) {
        this.pending = new CountDownLatch(fds);
    }

    /** A drain for {@code fds} markers, the one {@link #awaitCurrent} waits for from now on. */
    static ExitDrain expect(int fds) {
        ExitDrain d = new ExitDrain(fds);
        current = d;
        return d;
    }

    /** Forgets the drain: the redirection was never started. */
    static void cancel(ExitDrain d) {
        if (current == d) {
            current = null;
        }
    }

    /** A sink that ignores the bytes and counts down once, at the end of its fd's delivery. */
    Sink marker() {
        AtomicBoolean done = new AtomicBoolean();
        return Sink.stream(new OutputStream() {
            @Override
            public void write(int b) {
            }

            @Override
            public void write(byte[] b, int off, int len) {
            }

            @Override
            public void flush() {
                if (done.compareAndSet(false, true)) {
                    pending.countDown();
                    if (pending.getCount() == 0 && FdcaptureLogManager.Shutdown.inProgress()) {
                        atExit.run();
                    }
                }
            }
        });
    }

    /** What to do once everything is delivered at exit (JUL's handlers closed, if nothing else will). */
    void atExit(Runnable action) {
        atExit = action;
    }

    /** Whether every marked fd has delivered everything. */
    boolean drained() {
        return pending.getCount() == 0;
    }

    /**
     * Waits until the current drain, if any, is complete, at most {@code limit}.
     *
     * @return whether it completed (true when there is none)
     */
    static boolean awaitCurrent(Duration limit) {
        ExitDrain d = current;
        if (d == null) {
            return true;
        }
        boolean interrupted = false;
        long deadline = System.nanoTime() + limit.toNanos();
        try {
            while (true) {
                try {
                    return d.pending.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
