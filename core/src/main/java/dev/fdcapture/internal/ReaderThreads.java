package dev.fdcapture.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Platform daemon threads for readers, kept for a while after use so that a
 * capture does not pay for a new thread. Platform, not virtual: a reader blocks
 * in native {@code read}, which would pin a carrier (HAZARDS.md item 7).
 */
public final class ReaderThreads {
    private static final AtomicInteger COUNT = new AtomicInteger();
    private static final ExecutorService POOL = new ThreadPoolExecutor(
            0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
            task -> {
                Thread t = new Thread(() -> {
                    try {
                        task.run();
                    } finally {
                        SpoolReader.releaseThreadResources();
                    }
                }, "fdcapture-reader-" + COUNT.incrementAndGet());
                t.setDaemon(true);
                return t;
            });

    private ReaderThreads() {
    }

    public static void start(Runnable reader) {
        POOL.execute(reader);
    }
}
