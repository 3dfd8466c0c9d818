package dev.fdcapture.internal;

import dev.fdcapture.internal.posix.Libc;

import java.util.TreeMap;

/**
 * Flushes stdio's {@code stdout} and {@code stderr} periodically while any
 * redirection with a reader is active, so output sitting in a fully buffered
 * {@code stdout} shows up within the shortest interval asked for. One daemon
 * thread for the process; never a reader thread, which must not wait on a stdio
 * lock held by a writer.
 *
 * <p>Not {@code fflush(NULL)}: this thread flushes while the application writes,
 * and glibc's {@code dprintf} formats into a temporary stream with no lock that
 * {@code fflush(NULL)} visits all the same: both wrote its buffer, so a line came
 * twice (Slf4jSinkTest's exit test, 9 runs in 350 with three at once) or garbled
 * (build-support/stdio-flush-race.c). {@code stdout} and {@code stderr} are
 * flushed under their own locks. Every stream is flushed when a redirection
 * starts and ends ({@link FdTable}), not in between.
 */
public final class Flusher implements Runnable {
    private static final TreeMap<Long, Integer> INTERVALS = new TreeMap<>();
    private static Thread thread;
    /** The interval the flusher is waiting out, or 0 while it waits for work. */
    private static long waitingFor;

    private Flusher() {
    }

    public static synchronized void register(long intervalNanos) {
        // Wake the flusher only when it has to start or flush sooner: a capture
        // must not cost a context switch and an fflush on another thread.
        boolean wake = waitingFor == 0 || intervalNanos < waitingFor;
        Counts.add(INTERVALS, intervalNanos);
        if (thread == null) {
            thread = new Thread(new Flusher(), "fdcapture-flusher"); // no lambda: a class spun at first start
            thread.setDaemon(true);
            thread.start();
        }
        if (wake) {
            Flusher.class.notifyAll();
        }
    }

    public static synchronized void unregister(long intervalNanos) {
        Counts.remove(INTERVALS, intervalNanos);
    }

    @Override
    public void run() {
        while (true) {
            synchronized (Flusher.class) {
                try {
                    waitingFor = 0;
                    while (INTERVALS.isEmpty()) {
                        Flusher.class.wait();
                    }
                    // A full interval from now, shortened if a shorter one is registered
                    // meanwhile. Redirections that come and go during it cost no wake-up.
                    long start = System.nanoTime();
                    long left;
                    while (true) {
                        waitingFor = INTERVALS.isEmpty() ? waitingFor : INTERVALS.firstKey();
                        left = start + waitingFor - System.nanoTime();
                        if (left <= 0) {
                            break;
                        }
                        Flusher.class.wait(left / 1_000_000, (int) (left % 1_000_000));
                    }
                    if (INTERVALS.isEmpty()) {
                        continue;
                    }
                } catch (InterruptedException e) {
                    return;
                }
            }
            Libc.flushStdStreams();
        }
    }
}
