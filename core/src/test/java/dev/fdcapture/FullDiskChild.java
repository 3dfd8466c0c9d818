package dev.fdcapture;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The separate JVM of {@link TmpfileSpoolTest}'s full-filesystem test (its own
 * class: it needs JNA, which {@link HazardChild} must load without). Protocol as
 * {@link HazardChild}: {@code RESULT key=value} lines after the capture closed.
 */
public final class FullDiskChild {
    private FullDiskChild() {
    }

    /**
     * A file spool ({@code -Ddev.fdcapture.spool=tmpfile:DIR}) on a filesystem
     * smaller than the backlog the sink lets grow: a writer at 16 MiB/s for
     * {@code args[0]} seconds, a sink at half that, the default backlog limit (256 MiB).
     * Reports what fd 1 was inside the capture, and how many writes failed.
     */
    public static void main(String[] args) throws Exception {
        int seconds = Integer.parseInt(args[0]);
        long rate = 16L << 20;
        final class Slow extends OutputStream {
            long bytes;

            @Override
            public void write(int b) {
                bytes++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                bytes += len;
                LockSupport.parkNanos(len * 1_000_000_000L / (rate / 2));
            }
        }
        Slow sink = new Slow();
        com.sun.jna.Memory buf = NativeWriters.allocate(HazardChild.BULK_CHUNK);
        buf.setMemory(0, HazardChild.BULK_CHUNK, (byte) 'd');
        long written = 0;
        long failed = 0;
        String errno = "";
        String spool;
        Redirection r = NativeOutput.redirect().stdout(Sink.stream(sink)).start();
        try {
            spool = Files.readSymbolicLink(Path.of("/proc/self/fd/1")).toString();
            long base = System.nanoTime();
            long end = base + TimeUnit.SECONDS.toNanos(seconds);
            long paced = 0;
            long now;
            while ((now = System.nanoTime()) < end) {
                long due = base + paced * 1_000_000_000L / rate;
                if (due > now) {
                    LockSupport.parkNanos(due - now);
                    continue;
                }
                if (now - due > 10_000_000) {
                    // Late (a busy machine): start the schedule again rather than burst to catch up.
                    base = now;
                    paced = 0;
                }
                paced += HazardChild.BULK_CHUNK;
                long n = NativeWriters.tryWrite(1, buf, HazardChild.BULK_CHUNK);
                if (n < 0) {
                    failed++;
                    errno = Long.toString(-n);
                } else {
                    written += n;
                }
            }
        } finally {
            r.close();
        }
        result("spool", spool);
        result("written", written);
        result("delivered", sink.bytes);
        result("dropped", r.droppedBytes());
        result("failedWrites", failed);
        result("errno", errno);
    }

    private static void result(String key, Object value) {
        System.out.println("RESULT " + key + "=" + value);
    }
}
