package dev.fdcapture.bench;

import dev.fdcapture.CaptureException;
import dev.fdcapture.NativeOutput;
import dev.fdcapture.RedirectBuilder;
import dev.fdcapture.Redirection;
import dev.fdcapture.Sink;

import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * fdcapture's side of each workload: a native writer (libc through FFM, in this
 * JVM) writes to fd 1 while fdcapture delivers to a sink. Each method mirrors
 * the matching {@code pipebench.c} mode and times from the first write until
 * {@link Redirection#close()} has delivered the last byte, as the C reference
 * times from its first write until its reader has read the last byte. Only the
 * public API of fdcapture is used.
 */
final class Workloads {
    static final double MIB = 1024.0 * 1024;
    static final double GIB = MIB * 1024;
    static final int CHUNK = 64 * 1024;
    /** The same 80-byte line as {@code pipebench.c}'s printf80 and write80 modes. */
    static final String LINE80_FORMAT =
            "line %010lld abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.\n";

    private Workloads() {
    }

    /** One run's figure, plus what the capture dropped (which makes the figure meaningless if not 0). */
    record Sample(double value, double extra, long dropped) {
    }

    /** A byte sink that keeps nothing: it only counts, so the transport is what is measured. */
    static final class Counting extends OutputStream {
        long bytes;

        @Override
        public void write(int b) {
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
        }
    }

    /**
     * Runs {@code writer} with fd 1 captured into a {@link Counting} stream and
     * checks that {@code expected} bytes arrived; GiB/s from the first write
     * until close() has delivered the last byte. The backlog is unlimited, as in
     * the C references, which deliver everything: on a machine this loaded a
     * reader descheduled for 100 ms falls 256 MiB behind a 2.5 GiB/s writer, and
     * with the default limit it would skip bytes the C readers have to read.
     */
    private static Sample counted(long expected, Runnable writer) {
        Counting counter = new Counting();
        Redirection r = start(NativeOutput.redirect().stdout(Sink.stream(counter)).backlogLimit(Long.MAX_VALUE));
        long t0 = System.nanoTime();
        try {
            writer.run();
        } finally {
            r.close();
        }
        long t1 = System.nanoTime();
        account(expected, counter.bytes, r);
        return new Sample(counter.bytes / GIB / seconds(t0, t1), 0, r.droppedBytes());
    }

    /** 64 KiB {@code write()}s to fd 1, raw bytes to a counting stream; GiB/s. (pipebench w64k) */
    static Sample w64k(long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(CHUNK);
            buf.fill((byte) 'x');
            return counted(bytes, () -> {
                for (long done = 0; done < bytes; done += CHUNK) {
                    NativeIo.writeFully(1, buf, CHUNK);
                }
            });
        }
    }

    /**
     * 64-byte lines in 64 KiB {@code write()}s into {@code Sink.lines} counting lines;
     * GiB/s and lines/s from the first write until close() has delivered the last
     * line. The writer is faster than any line sink, so the backlog is unlimited
     * here: the spool holds the writer's lead and the figure is the sink's own rate.
     */
    static Sample lines64(long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = lineChunk(arena);
            long[] lines = new long[1];
            Redirection r = start(NativeOutput.redirect().stdout(Sink.lines(line -> lines[0]++))
                    .backlogLimit(Long.MAX_VALUE));
            long t0 = System.nanoTime();
            try {
                for (long done = 0; done < bytes; done += CHUNK) {
                    NativeIo.writeFully(1, buf, CHUNK);
                }
            } finally {
                r.close();
            }
            long t1 = System.nanoTime();
            long expected = bytes / 64;
            if (r.droppedBytes() == 0 && lines[0] != expected) {
                throw new IllegalStateException("expected " + expected + " lines, got " + lines[0]);
            }
            double s = seconds(t0, t1);
            return new Sample(lines[0] * 64 / GIB / s, lines[0] / s, r.droppedBytes());
        }
    }

    /** 1024 lines of 63 characters and a newline: one 64 KiB chunk. */
    static MemorySegment lineChunk(Arena arena) {
        MemorySegment buf = arena.allocate(CHUNK);
        byte[] line = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.\n"
                .getBytes(StandardCharsets.US_ASCII);
        if (line.length != 64) {
            throw new AssertionError(line.length);
        }
        for (int at = 0; at < CHUNK; at += 64) {
            MemorySegment.copy(line, 0, buf, JAVA_BYTE, at, 64);
        }
        return buf;
    }

    /** {@code printf} of 80-byte lines through stdio's full buffering; GiB/s. (pipebench printf80) */
    static Sample printf80(long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment format = arena.allocateFrom(LINE80_FORMAT);
            long lines = bytes / 80;
            return counted(lines * 80, () -> {
                for (long i = 0; i < lines; i++) {
                    NativeIo.printf(format, i);
                }
                NativeIo.flushAll();
            });
        }
    }

    /**
     * The same {@code printf} of 80-byte lines by a C child process started with
     * {@code inheritIO()} (its fd 1 is the capture): C's own stdio loop, with no
     * downcall per line, so the row compares transports and readers only. GiB/s
     * from the start of the child until close() has delivered the last byte.
     */
    static Sample printf80Child(long bytes, java.util.function.LongFunction<java.util.List<String>> writer) {
        long mib = Math.max(1, bytes >> 20); // the child writes whole MiB worth of lines
        java.util.List<String> command = writer.apply(mib);
        long lines = (mib << 20) / 80;
        return counted(lines * 80, () -> {
            try {
                Process p = new ProcessBuilder(command).inheritIO()
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
                if (p.waitFor() != 0) {
                    throw new IllegalStateException(command + " exited with " + p.exitValue());
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
    }

    /** One {@code write()} per 80-byte line, formatted with {@code snprintf}; GiB/s. (pipebench write80) */
    static Sample write80(long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment format = arena.allocateFrom(LINE80_FORMAT);
            MemorySegment line = arena.allocate(81);
            long lines = bytes / 80;
            return counted(lines * 80, () -> {
                for (long i = 0; i < lines; i++) {
                    NativeIo.snprintf(line, 81, format, i);
                    if (NativeIo.write(1, line, 80) != 80) {
                        throw new IllegalStateException("short write");
                    }
                }
            });
        }
    }

    /**
     * Write-to-callback latency: {@code lines} 80-byte lines, each written after a
     * 100 us {@code nanosleep} and stamped with CLOCK_MONOTONIC (which is what
     * {@code System.nanoTime()} reads on Linux) just before the {@code write()};
     * the {@code Sink.lines} callback subtracts the stamp from its own clock.
     * Returns p50 as the value and p99 as the extra, in microseconds. (pipebench lat)
     */
    static Sample latency(int lines) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment line = arena.allocate(80);
            byte[] text = (String.format("%019d %059d", 0, 0) + "\n").getBytes(StandardCharsets.US_ASCII);
            MemorySegment.copy(text, 0, line, JAVA_BYTE, 0, 80);
            MemorySegment pause = NativeIo.timespec(arena, 100_000);
            long[] latencies = new long[lines];
            int[] n = new int[1];
            Redirection r = start(NativeOutput.redirect().stdout(Sink.lines(s -> {
                long now = System.nanoTime();
                if (n[0] < latencies.length) {
                    latencies[n[0]++] = now - Long.parseLong(s, 0, 19, 10);
                }
            })));
            try {
                for (int i = 0; i < lines; i++) {
                    NativeIo.nanosleep(pause);
                    long stamp = System.nanoTime();
                    for (int d = 18; d >= 0; d--) {
                        line.set(JAVA_BYTE, d, (byte) ('0' + stamp % 10));
                        stamp /= 10;
                    }
                    if (NativeIo.write(1, line, 80) != 80) {
                        throw new IllegalStateException("short write");
                    }
                }
            } finally {
                r.close();
            }
            if (n[0] != lines) {
                throw new IllegalStateException("expected " + lines + " lines, got " + n[0]);
            }
            Arrays.sort(latencies);
            return new Sample(latencies[lines / 2] / 1e3, latencies[lines * 99 / 100] / 1e3, r.droppedBytes());
        }
    }

    static final long PAUSE_MILLIS = 40;

    /**
     * {@code cycles} empty captures back to back (start and close, nothing
     * written); microseconds per cycle. A start that fails with EMFILE from
     * {@code inotify_init1} is retried after an untimed pause and counted in
     * {@link #EMFILE_RETRIES}, which the report prints: the per-user limit
     * ({@code fs.inotify.max_user_instances}, 128 here) is shared with every other
     * process of the user. fdcapture keeps one instance per reader thread (an
     * early version created and closed one per capture and ran into the limit);
     * {@link #backToBack} fails on such an error instead of retrying.
     */
    static double emptyCaptures(int cycles) {
        long t0 = System.nanoTime();
        long untimed = 0;
        for (int i = 0; i < cycles; i++) {
            try {
                NativeOutput.capture(() -> { });
            } catch (CaptureException e) {
                if (!isInotifyLimit(e)) {
                    throw e;
                }
                long t1 = System.nanoTime();
                EMFILE_RETRIES.incrementAndGet();
                pause(PAUSE_MILLIS);
                untimed += System.nanoTime() - t1;
                i--;
            }
        }
        return (System.nanoTime() - t0 - untimed) / 1e3 / cycles;
    }

    /** Result of {@link #backToBack}: cycles done, time per cycle, and the failure that stopped it, if any. */
    record BackToBack(int cycles, double microsPerCycle, String failure) {
    }

    /** Up to {@code max} empty captures with no pause; stops at the first failure. */
    static BackToBack backToBack(int max) {
        long t0 = System.nanoTime();
        int i = 0;
        String failure = null;
        try {
            for (; i < max; i++) {
                NativeOutput.capture(() -> { });
            }
        } catch (RuntimeException e) {
            failure = e.getMessage();
        }
        double us = i == 0 ? Double.NaN : (System.nanoTime() - t0) / 1e3 / i;
        pause(1000); // let the kernel free what the burst left behind before anything else runs
        return new BackToBack(i, us, failure);
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** What a big line workload did to memory. */
    record MemorySample(double gibPerSecond, long rssGrowth, long peakSpool, long dropped, boolean peakReset) {
    }

    /**
     * {@code bytes} of 64-byte lines written at {@code rate} bytes/s (a pace the line
     * sink keeps up with; unpaced, the writer outruns any line sink and the row
     * would measure the backlog), into a counting {@code Sink.lines}; peak RSS
     * growth over the run (VmHWM after a reset, and sampled) and the most memory
     * the spool held.
     */
    static MemorySample bigLines(long bytes, long rate) {
        System.gc();
        boolean reset = Memory.resetPeak();
        long before = Memory.rss();
        try (Arena arena = Arena.ofConfined(); Memory.Sampler sampler = new Memory.Sampler()) {
            MemorySegment buf = lineChunk(arena);
            long[] lines = new long[1];
            Redirection r = start(NativeOutput.redirect().stdout(Sink.lines(line -> lines[0]++)));
            long t0 = System.nanoTime();
            try {
                for (long done = 0; done < bytes; done += CHUNK) {
                    NativeIo.writeFully(1, buf, CHUNK);
                    long due = t0 + (long) ((done + CHUNK) * 1e9 / rate);
                    long ahead = due - System.nanoTime();
                    if (ahead > 0) {
                        LockSupport.parkNanos(ahead);
                    }
                }
            } finally {
                r.close();
            }
            long t1 = System.nanoTime();
            if (r.droppedBytes() == 0 && lines[0] != bytes / 64) {
                throw new IllegalStateException("expected " + bytes / 64 + " lines, got " + lines[0]);
            }
            long peak = Math.max(sampler.maxRss(), reset ? Memory.peak() : 0);
            return new MemorySample(lines[0] * 64 / GIB / seconds(t0, t1), peak - before,
                    sampler.maxSpool(), r.droppedBytes(), reset);
        }
    }

    /** What the overload policy did. */
    record OverloadSample(long written, long delivered, long dropped, long peakSpool, long rssGrowth,
                          double seconds, long limit) {
    }

    /**
     * A writer paced at {@code writerRate} bytes/s for {@code duration} seconds
     * into a stream sink that sleeps so that it takes 10x longer than the writer
     * (it is slow only while the writer runs, so close does not wait for the
     * whole backlog at the slow rate). The documented policy: the backlog is kept
     * in the spool up to {@code backlogLimit}; past it the reader skips everything
     * waiting and counts it in {@code droppedBytes()}.
     */
    static OverloadSample slowSink(double duration, long writerRate, long backlogLimit) {
        final class Slow extends OutputStream {
            volatile boolean slow = true;
            long bytes;
            final long nanosPerMiB = (long) (1e9 * MIB / (writerRate / 10.0));

            @Override
            public void write(int b) {
                bytes++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                bytes += len;
                if (slow) {
                    LockSupport.parkNanos((long) (len / MIB * nanosPerMiB));
                }
            }
        }
        System.gc();
        Memory.resetPeak();
        long before = Memory.rss();
        try (Arena arena = Arena.ofConfined(); Memory.Sampler sampler = new Memory.Sampler()) {
            MemorySegment buf = arena.allocate(CHUNK);
            buf.fill((byte) 'y');
            Slow sink = new Slow();
            long written = 0;
            Redirection r = start(NativeOutput.redirect().stdout(Sink.stream(sink)).backlogLimit(backlogLimit));
            long t0 = System.nanoTime();
            long end = t0 + (long) (duration * 1e9);
            try {
                long now;
                long base = t0;
                long paced = 0;
                while ((now = System.nanoTime()) < end) {
                    long due = base + (long) (paced * 1e9 / writerRate);
                    if (due > now) {
                        LockSupport.parkNanos(due - now);
                        continue;
                    }
                    if (now - due > 10_000_000) {
                        // Late (a busy machine): start the schedule again rather than burst to catch up.
                        base = now;
                        paced = 0;
                    }
                    NativeIo.writeFully(1, buf, CHUNK);
                    written += CHUNK;
                    paced += CHUNK;
                }
            } finally {
                sink.slow = false;
                r.close();
            }
            long t1 = System.nanoTime();
            long peak = Math.max(sampler.maxRss(), Memory.peak());
            return new OverloadSample(written, sink.bytes, r.droppedBytes(), sampler.maxSpool(), peak - before,
                    seconds(t0, t1), backlogLimit);
        }
    }

    /**
     * How many times a start failed with EMFILE from {@code inotify_init1} and was
     * retried after a pause. The inotify instance limit is per user: other
     * processes of the same user (another test run on this shared machine) use it up
     * too, and fdcapture's instances are freed lazily by the kernel.
     */
    static final AtomicInteger EMFILE_RETRIES = new AtomicInteger();

    /**
     * Which spool backing fdcapture picks here, in {@code spoolbench} terms: seen
     * from inside a capture as what fd 1 refers to ({@code /memfd:fdcapture-stdout
     * (deleted)} or, for an O_TMPFILE file, {@code /tmp/#1234 (deleted)}).
     */
    static String backingInUse() {
        String[] link = new String[1];
        NativeOutput.tapStdout(() -> {
            try {
                link[0] = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/1")).toString();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String b = backingOf(link[0]);
        if (b == null) {
            throw new IllegalStateException("fd 1 inside a capture is neither a memfd nor an O_TMPFILE file: " + link[0]);
        }
        return b;
    }

    /** {@code memfd} or {@code tmpfile:DIR} for the target of a spool's {@code /proc/self/fd} link, or null. */
    static String backingOf(String link) {
        if (link.startsWith("/memfd:fdcapture")) {
            return "memfd";
        }
        String path = link.endsWith(" (deleted)") ? link.substring(0, link.length() - 10) : link;
        int slash = path.lastIndexOf('/');
        if (slash >= 0 && path.startsWith("#", slash + 1)) {
            return "tmpfile:" + (slash == 0 ? "/" : path.substring(0, slash));
        }
        return null;
    }

    static Redirection start(RedirectBuilder builder) {
        for (int attempt = 0; ; attempt++) {
            try {
                return builder.start();
            } catch (CaptureException e) {
                if (!isInotifyLimit(e) || attempt == 50) {
                    throw e;
                }
                EMFILE_RETRIES.incrementAndGet();
                pause(200);
            }
        }
    }

    static boolean isInotifyLimit(CaptureException e) {
        return String.valueOf(e.getMessage()).contains("EMFILE");
    }

    private static void account(long written, long delivered, Redirection r) {
        if (delivered + r.droppedBytes() != written) {
            throw new IllegalStateException("wrote " + written + " bytes; " + delivered + " delivered and "
                    + r.droppedBytes() + " dropped");
        }
    }

    private static double seconds(long t0, long t1) {
        return (t1 - t0) / 1e9;
    }
}
