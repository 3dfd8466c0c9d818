package dev.fdcapture;

import org.junit.jupiter.api.Test;

import java.io.FileInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Bugs of prior art and hazards that no other test here happens to cover. */
class RegressionTest extends FdLevelTest {

    @Test
    void capture_works_when_every_new_descriptor_is_above_1024() throws IOException {
        // wurlitzer #22: select() fails past fd 1024. fdcapture never uses select,
        // and this proves it with its memfd, inotify and saved copies all above 1024.
        List<FileInputStream> filler = new ArrayList<>();
        try {
            while (filler.size() < 1100) {
                filler.add(new FileInputStream("/dev/null"));
            }
            Captured c = NativeOutput.capture(() -> {
                NativeWriters.write(1, "high fds\n");
                NativeWriters.fprintfStderr("still fine\n");
            });
            assertEquals("high fds\n", c.stdout());
            assertEquals("still fine\n", c.stderr());
        } finally {
            for (FileInputStream in : filler) {
                in.close();
            }
        }
    }

    @Test
    void captures_from_virtual_threads_do_not_pin_the_carriers_other_virtual_threads_need() throws Throwable {
        // HAZARDS.md item 7: readers blocked in native read() on virtual threads pinned
        // both carriers of this 2-core machine. Readers are platform threads, so
        // virtual threads that capture (and wait in close) leave room for others.
        AtomicLong progress = new AtomicLong();
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads are Java 21+");
        ExecutorService virtual = virtualThreadPerTaskExecutor();
        try {
            List<Future<String>> captures = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                int id = i;
                captures.add(virtual.submit(() -> NativeOutput.tapStderr(() -> {
                    NativeWriters.write(2, "from virtual " + id + "\n");
                    Thread.sleep(200); // the reader waits on the spool meanwhile
                })));
            }
            Future<?> counter = virtual.submit(() -> {
                long until = System.nanoTime() + 150_000_000L;
                while (System.nanoTime() < until) {
                    progress.incrementAndGet();
                    Thread.yield();
                }
            });
            counter.get();
            StringBuilder all = new StringBuilder();
            for (Future<String> f : captures) {
                all.append(f.get());
            }
            for (int i = 0; i < 4; i++) {
                assertTrue(all.indexOf("from virtual " + i + "\n") >= 0, all::toString);
            }
        } finally {
            virtual.shutdown();
            virtual.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
        }
        assertTrue(progress.get() > 1000, "another virtual thread made progress: " + progress.get());
    }

    /** {@code Executors.newVirtualThreadPerTaskExecutor()}, public Java 21 API, looked up: the suite compiles at 17. */
    private static ExecutorService virtualThreadPerTaskExecutor() throws Throwable {
        return (ExecutorService) MethodHandles.publicLookup()
                .findStatic(java.util.concurrent.Executors.class, "newVirtualThreadPerTaskExecutor",
                        MethodType.methodType(ExecutorService.class))
                .invoke();
    }
}
