package dev.fdcapture;

import dev.fdcapture.internal.LineSplitter;
import dev.fdcapture.internal.MemoryLimit;
import dev.fdcapture.internal.Settings;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** What a {@link RedirectBuilder} has been told; immutable. */
record Options(Sink stdout, Sink stderr, Charset charset, Duration flushInterval,
               Duration closeTimeout, long backlogLimit, int maxLineLength, JavaStreams javaStreams,
               Duration stallTimeout) {

    static final long MIN_BACKLOG = MemoryLimit.MIN_BACKLOG;

    /** The backlog default follows the memory cgroup's limit, read once (see {@link MemoryLimit}). */
    static final Options DEFAULTS = new Options(Sink.original(), Sink.original(), StandardCharsets.UTF_8,
            Duration.ofMillis(200), Duration.ofSeconds(1), MemoryLimit.defaultBacklog(), 1 << 20,
            JavaStreams.CAPTURE, Duration.ofSeconds(30));

    Options withStdout(Sink s) {
        return new Options(s, stderr, charset, flushInterval, closeTimeout, backlogLimit, maxLineLength,
                javaStreams, stallTimeout);
    }

    Options withStderr(Sink s) {
        return new Options(stdout, s, charset, flushInterval, closeTimeout, backlogLimit, maxLineLength,
                javaStreams, stallTimeout);
    }

    Options withCharset(Charset c) {
        return new Options(stdout, stderr, c, flushInterval, closeTimeout, backlogLimit, maxLineLength,
                javaStreams, stallTimeout);
    }

    Options withFlushInterval(Duration d) {
        return new Options(stdout, stderr, charset, d, closeTimeout, backlogLimit, maxLineLength,
                javaStreams, stallTimeout);
    }

    Options withCloseTimeout(Duration d) {
        return new Options(stdout, stderr, charset, flushInterval, d, backlogLimit, maxLineLength,
                javaStreams, stallTimeout);
    }

    Options withBacklogLimit(long bytes) {
        return new Options(stdout, stderr, charset, flushInterval, closeTimeout, bytes, maxLineLength,
                javaStreams, stallTimeout);
    }

    Options withMaxLineLength(int bytes) {
        return new Options(stdout, stderr, charset, flushInterval, closeTimeout, backlogLimit, bytes,
                javaStreams, stallTimeout);
    }

    Options withStallTimeout(Duration d) {
        return new Options(stdout, stderr, charset, flushInterval, closeTimeout, backlogLimit, maxLineLength,
                javaStreams, d);
    }

    Options withJavaStreams(JavaStreams j) {
        return new Options(stdout, stderr, charset, flushInterval, closeTimeout, backlogLimit, maxLineLength,
                j, stallTimeout);
    }

    /** What the assembly below needs of these options. */
    Settings settings() {
        return new Settings(charset, flushInterval.toNanos(), closeTimeout, backlogLimit, maxLineLength,
                javaStreams == JavaStreams.BYPASS, stallTimeout);
    }

    /**
     * These options for a process whose fd 1 and fd 2 are ({@code true}) or are
     * not writable descriptors. One that is not (the JVM was started with it
     * closed, and opened a file of its own there) is left alone, its sink gets
     * nothing; a stderr that follows a stdout which is left alone gets the
     * stdout's sink itself, since that is where its bytes were meant to go.
     */
    Options forDescriptors(boolean stdoutWritable, boolean stderrWritable) {
        Options o = this;
        if (!stdoutWritable && !(stdout instanceof Sinks.Original)) {
            o = o.withStderr(stderrWritable && stderr instanceof Sinks.IntoStdout ? stdout : stderr)
                    .withStdout(Sink.original());
        } else if (!stdoutWritable && stderr instanceof Sinks.IntoStdout) {
            o = o.withStderr(Sink.original()); // 2>&1 onto a descriptor that is not a stdout
        }
        if (!stderrWritable) {
            o = o.withStderr(Sink.original());
        }
        return o;
    }

    /** Checks everything once, before any descriptor is touched. */
    Options validate() {
        if (stdout instanceof Sinks.IntoStdout) {
            throw new IllegalArgumentException("intoStdout() is for stderr only: stderr(Sink.intoStdout())");
        }
        if (!LineSplitter.splitsOnBytes(charset)) {
            throw new IllegalArgumentException("charset " + charset.name()
                    + " does not encode '\\n' as the byte 0x0A; use an ASCII-compatible charset such as UTF-8");
        }
        if (flushInterval.isNegative() || flushInterval.isZero()) {
            throw new IllegalArgumentException("flushInterval must be positive: " + flushInterval);
        }
        if (stallTimeout.isNegative() || stallTimeout.isZero()) {
            throw new IllegalArgumentException("stallTimeout must be positive: " + stallTimeout);
        }
        if (closeTimeout.isNegative()) {
            throw new IllegalArgumentException("closeTimeout must not be negative: " + closeTimeout);
        }
        if (backlogLimit < MIN_BACKLOG) {
            throw new IllegalArgumentException("backlogLimit must be at least " + MIN_BACKLOG
                    + " bytes: " + backlogLimit);
        }
        if (maxLineLength < 4) {
            throw new IllegalArgumentException("maxLineLength must be at least 4 bytes: " + maxLineLength);
        }
        return this;
    }
}
