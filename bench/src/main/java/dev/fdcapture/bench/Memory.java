package dev.fdcapture.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's memory, from {@code /proc/self}. */
final class Memory {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path FD1 = Path.of("/proc/self/fd/1");

    private Memory() {
    }

    /** Resident set size now, in bytes. */
    static long rss() {
        return field("VmRSS:");
    }

    /** Peak resident set size since the process started or {@link #resetPeak()}, in bytes. */
    static long peak() {
        return field("VmHWM:");
    }

    /** Resets VmHWM to the current RSS ({@code echo 5 > /proc/self/clear_refs}); false if not allowed. */
    static boolean resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static long field(String name) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(name)) {
                    String[] parts = line.substring(name.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024; // always kB
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + STATUS, e);
        }
        throw new IllegalStateException(name + " missing from " + STATUS);
    }

    /**
     * Samples RSS and the memory held by whatever fd 1 refers to (the spool, while a
     * capture is active) every 2 ms on a daemon thread, keeping the maxima.
     */
    static final class Sampler implements AutoCloseable {
        private final Thread thread;
        private volatile boolean running = true;
        private volatile long maxRss;
        private volatile long maxSpool;

        Sampler() {
            maxRss = rss();
            thread = new Thread(this::loop, "bench-memory-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        private void loop() {
            while (running) {
                sample();
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private void sample() {
            maxRss = Math.max(maxRss, rss());
            if (fd1IsSpool()) {
                maxSpool = Math.max(maxSpool, NativeIo.allocatedBytes(1));
            }
        }

        /** Only a spool counts: outside a capture fd 1 may be a file whose size means nothing here. */
        private static boolean fd1IsSpool() {
            try {
                return Workloads.backingOf(Files.readSymbolicLink(FD1).toString()) != null;
            } catch (IOException e) {
                return false;
            }
        }

        long maxRss() {
            return maxRss;
        }

        long maxSpool() {
            return maxSpool;
        }

        @Override
        public void close() {
            running = false;
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
