package dev.fdcapture;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The main class of the separate JVMs that {@link JvmHazardTest} and
 * {@link SupportTest} start: scenarios that need JVM flags ({@code -Xlog},
 * no native access) or that would take the whole test JVM down if they
 * deadlocked. Runs on the class path, not as a module.
 *
 * <p>Protocol: facts go to the real stdout as {@code RESULT key=value} lines
 * <b>after</b> every capture is closed; the test asserts on them. Every loop is
 * bounded, so the child exits on its own unless the JVM itself hangs.
 */
public final class HazardChild {
    /** The bulk writer's byte: never part of JVM text output, so it can be counted apart. */
    static final byte BULK = 0x01;
    static final int BULK_CHUNK = 64 * 1024;
    /** The bulk writer's pace. A native writer fills a 64 KiB pipe in well under a millisecond at this rate. */
    static final long BULK_BYTES_PER_SECOND = 128L << 20;

    private HazardChild() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "gc" -> gc(Integer.parseInt(args[1]), Path.of(args[2]));
            case "dump" -> dump(Integer.parseInt(args[1]));
            case "streams" -> streams();
            case "support" -> support();
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /**
     * HAZARDS.md item 4, unified logging: a native bulk writer on fd 1, an
     * allocating thread and {@code -Xlog:gc*:stdout}, with the default
     * configuration capturing fd 1.
     */
    private static void gc(int seconds, Path captured) throws Exception {
        Split split = new Split();
        Redirection r = NativeOutput.redirect().stdout(Sink.stream(split)).start();
        // Two full GCs mark the window: every GC id between them happened inside the capture.
        System.gc();
        BulkWriter writer = new BulkWriter();
        Thread allocator = new Thread(() -> allocate(seconds), "allocator");
        writer.start();
        allocator.start();
        allocator.join();
        writer.stopAndJoin();
        System.gc();
        r.close();

        Files.writeString(captured, split.text());
        result("written", writer.written());
        result("bulk", split.bulk());
        result("dropped", r.droppedBytes());
    }

    private static void allocate(int seconds) {
        Object[] ring = new Object[256];
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long i = 0;
        while (System.nanoTime() < end) {
            for (int k = 0; k < 1000; k++) {
                ring[(int) (i++ & 255)] = new byte[ThreadLocalRandom.current().nextInt(16, 32 * 1024)];
            }
        }
    }

    /**
     * HAZARDS.md item 4, thread dump: {@code kill -3} while a native bulk writer
     * keeps fd 1 busy, with {@code threads} parked threads making the dump big.
     */
    private static void dump(int threads) throws Exception {
        CountDownLatch parked = new CountDownLatch(threads);
        List<Thread> parkers = new ArrayList<>(threads);
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(null, () -> parkDeep(8, parked), "fdcapture-parked-" + i, 256 * 1024);
            t.setDaemon(true);
            t.start();
            parkers.add(t);
        }
        if (!parked.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("parkers did not start");
        }

        Split split = new Split();
        Redirection r = NativeOutput.redirect().stdout(Sink.stream(split)).start();
        BulkWriter writer = new BulkWriter();
        writer.start();
        Thread.sleep(200);
        long pid = ProcessHandle.current().pid();
        Process kill = new ProcessBuilder("kill", "-3", Long.toString(pid)).redirectErrorStream(true).start();
        int killRc = kill.waitFor();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        boolean complete = false;
        while (System.nanoTime() < end && !(complete = split.text().contains("JNI global refs"))) {
            Thread.sleep(50);
        }
        Thread.sleep(200);
        writer.stopAndJoin();
        r.close();

        String text = split.text();
        int from = text.indexOf("Full thread dump");
        int to = text.indexOf("JNI global refs");
        int parkersSeen = 0;
        for (int at = text.indexOf("\"fdcapture-parked-"); at >= 0; at = text.indexOf("\"fdcapture-parked-", at + 1)) {
            parkersSeen++;
        }
        result("killRc", killRc);
        result("complete", complete);
        result("fullThreadDump", from >= 0);
        result("dumpBytes", from >= 0 && to > from ? text.substring(from, to).getBytes(StandardCharsets.UTF_8).length : -1);
        result("parkersSeen", parkersSeen);
        result("written", writer.written());
        result("bulk", split.bulk());
        result("dropped", r.droppedBytes());
        for (Thread t : parkers) {
            LockSupport.unpark(t);
        }
    }

    private static void parkDeep(int depth, CountDownLatch parked) {
        if (depth > 0) {
            parkDeep(depth - 1, parked);
            return;
        }
        parked.countDown();
        LockSupport.park();
    }

    /** Java's own System.out and System.err write to fd 1 and fd 2 in a JVM where nobody replaced them. */
    private static void streams() {
        Captured c = NativeOutput.capture(() -> {
            System.out.println("java out");
            System.err.println("java err");
            NativeWriters.write(1, "native out\n");
            System.out.print("java partial");
        });
        result("stdout", escape(c.stdout()));
        result("stderr", escape(c.stderr()));
    }

    /** Run without native access: what the support check says, and what a capture does. */
    private static void support() {
        result("supported", NativeOutput.isSupported());
        result("cause", NativeOutput.unsupportedCause().orElse("<none>"));
        result("capture", attempt(() -> NativeOutput.capture(() -> { })));
        result("tapStdout", attempt(() -> NativeOutput.tapStdout(() -> { })));
        result("silence", attempt(() -> NativeOutput.silence(() -> { })));
        result("start", attempt(() -> NativeOutput.redirect().stdout(Sink.buffer()).start().close()));
        result("ensureSupported", attempt(NativeOutput::ensureSupported));
    }

    private static String attempt(NativeOutput.Body<Exception> body) {
        try {
            body.run();
            return "returned";
        } catch (Throwable t) {
            return t.getClass().getName() + ": " + t.getMessage();
        }
    }

    static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n");
    }

    private static void result(String key, Object value) {
        System.out.println("RESULT " + key + "=" + value);
        System.out.flush();
    }

    /**
     * Writes 64 KiB chunks of {@link #BULK} to fd 1 with libc {@code write},
     * paced to {@link #BULK_BYTES_PER_SECOND} so that a sink that keeps up
     * loses nothing under the default backlog limit.
     */
    private static final class BulkWriter extends Thread {
        private final AtomicLong written = new AtomicLong();
        private volatile boolean stop;

        BulkWriter() {
            super("bulk-writer");
            setDaemon(true);
        }

        @Override
        public void run() {
            {
                com.sun.jna.Memory chunk = NativeWriters.allocate(BULK_CHUNK);
                chunk.setMemory(0, BULK_CHUNK, BULK);
                long start = System.nanoTime();
                while (!stop) {
                    NativeWriters.write(1, chunk, BULK_CHUNK);
                    long done = written.addAndGet(BULK_CHUNK);
                    long due = start + done * 1_000_000_000L / BULK_BYTES_PER_SECOND;
                    long ahead = due - System.nanoTime();
                    if (ahead > 0) {
                        LockSupport.parkNanos(ahead);
                    }
                }
            }
        }

        long written() {
            return written.get();
        }

        void stopAndJoin() throws InterruptedException {
            stop = true;
            join(TimeUnit.SECONDS.toMillis(30));
            if (isAlive()) {
                throw new IllegalStateException("the bulk writer is stuck in write(1)");
            }
        }
    }

    /** Counts the bulk writer's bytes and keeps everything else (the JVM's text) in memory. */
    static final class Split extends OutputStream {
        private final ByteArrayOutputStream text = new ByteArrayOutputStream();
        private long bulk;

        @Override
        public synchronized void write(int b) {
            if (b == BULK) {
                bulk++;
            } else {
                text.write(b);
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            int end = off + len;
            int i = off;
            while (i < end) {
                int j = i;
                while (j < end && b[j] == BULK) {
                    j++;
                }
                bulk += j - i;
                int k = j;
                while (k < end && b[k] != BULK) {
                    k++;
                }
                text.write(b, j, k - j);
                i = k;
            }
        }

        synchronized long bulk() {
            return bulk;
        }

        synchronized String text() {
            return text.toString(StandardCharsets.UTF_8);
        }
    }
}
