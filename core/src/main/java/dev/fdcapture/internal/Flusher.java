package dev.fdcapture.internal;

import dev.fdcapture.internal.posix.Libc;

import java.util.TreeMap;

/**
 * Calls {@code fflush(NULL)} periodically while any redirection with a reader is
 * active, so output sitting in a fully buffered stdio {@code stdout} shows up
 * within the shortest interval asked for. One daemon thread for the process;
 * never a reader thread, which must not wait on a stdio lock held by a writer.
 */
public final class Flusher {
    private static final TreeMap<Long, Integer> INTERVALS = new TreeMap<>();
    private static Thread thread;

    private Flusher() {
    }

    public static synchronized void register(long intervalNanos) {
        INTERVALS.merge(intervalNanos, 1, Integer::sum);
        if (thread == null) {
            thread = new Thread(Flusher::run, "fdcapture-flusher");
            thread.setDaemon(true);
            thread.start();
        }
        Flusher.class.notifyAll();
    }

    public static synchronized void unregister(long intervalNanos) {
        INTERVALS.computeIfPresent(intervalNanos, (k, n) -> n == 1 ? null : n - 1);
    }

    private static void run() {
        while (true) {
            synchronized (Flusher.class) {
                try {
                    while (INTERVALS.isEmpty()) {
                        Flusher.class.wait();
                    }
                    long nanos = INTERVALS.firstKey();
                    Flusher.class.wait(nanos / 1_000_000, (int) (nanos % 1_000_000));
                    if (INTERVALS.isEmpty()) {
                        continue;
                    }
                } catch (InterruptedException e) {
                    return;
                }
            }
            Libc.flushAll();
        }
    }
}
