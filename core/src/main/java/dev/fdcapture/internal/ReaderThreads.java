package dev.fdcapture.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Platform daemon threads for readers, kept for a while after use so that a
 * capture does not pay for a new thread. Platform, not virtual: a reader blocks
 * in native {@code read}, which would pin a carrier (HAZARDS.md item 7). One pool
 * per kind of reader, so that each thread's name says what it reads
 * ({@code fdcapture-stdout-reader-1}) without renaming threads on every capture.
 */
public final class ReaderThreads {
    private static final Map<String, ExecutorService> POOLS = new ConcurrentHashMap<>();

    private ReaderThreads() {
    }

    public static void start(String name, Runnable reader) {
        POOLS.computeIfAbsent(name, ReaderThreads::pool).execute(reader);
    }

    private static ExecutorService pool(String name) {
        AtomicInteger count = new AtomicInteger();
        return new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                task -> {
                    Thread t = new Thread(() -> {
                        try {
                            task.run();
                        } finally {
                            SpoolReader.releaseThreadResources();
                        }
                    }, name + "-" + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }
}
