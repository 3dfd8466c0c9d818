package dev.fdcapture;

import dev.fdcapture.internal.ExitHook;
import dev.fdcapture.internal.FdTable;

import java.nio.charset.Charset;
import java.time.Duration;
import java.util.Objects;

/**
 * Describes a redirection; {@link #start()} performs it. Immutable: every method
 * returns a new builder, so one can be kept and started many times. Values are
 * checked in {@link #start()}.
 *
 * <p>By default both fds are left alone ({@link Sink#original()}); say which to
 * redirect with {@link #stdout} and {@link #stderr}.
 *
 * <p><b>A descriptor that is not open for writing is not a stdout, and is never
 * touched:</b> a JVM started with fd 1 or fd 2 closed ({@code java ... >&-})
 * opens its own files at those numbers (the modules image, a jar), and replacing
 * them would break class loading. Such an fd is left as it is and its sink gets
 * nothing (a {@link NativeOutput#capture} returns {@code ""} for it); writes to
 * it fail as they did before. The other fd is redirected as usual, and a
 * {@link Sink#intoStdout()} stderr then goes to the stdout's sink directly.
 */
public final class RedirectBuilder {
    private final Options options;

    RedirectBuilder(Options options) {
        this.options = options;
    }

    /**
     * Where fd 1 goes.
     *
     * @param sink the destination of fd 1
     * @return a new builder with this setting
     */
    public RedirectBuilder stdout(Sink sink) {
        return new RedirectBuilder(options.withStdout(Objects.requireNonNull(sink, "sink")));
    }

    /**
     * Where fd 2 goes; {@link Sink#intoStdout()} shares fd 1's destination and keeps the order.
     *
     * @param sink the destination of fd 2
     * @return a new builder with this setting
     */
    public RedirectBuilder stderr(Sink sink) {
        return new RedirectBuilder(options.withStderr(Objects.requireNonNull(sink, "sink")));
    }

    /**
     * The charset for text sinks ({@link Sink#lines}, {@link Sink.Buffer#text()});
     * UTF-8 by default. It must encode {@code \n} as the single byte 0x0A.
     *
     * @param charset the charset of the captured text
     * @return a new builder with this setting
     */
    public RedirectBuilder charset(Charset charset) {
        return new RedirectBuilder(options.withCharset(Objects.requireNonNull(charset, "charset")));
    }

    /**
     * How often C stdio's {@code stdout} and {@code stderr} are flushed while a
     * redirection with a reader is active, so that {@code printf} output shows up
     * without waiting for 4 KiB to collect; 200 ms by default. Every stdio buffer
     * ({@code fflush(NULL)}) is flushed when the redirection starts and closes;
     * not in between, since that could write a {@code dprintf} of another thread
     * twice.
     *
     * @param interval the time between flushes
     * @return a new builder with this setting
     */
    public RedirectBuilder flushInterval(Duration interval) {
        return new RedirectBuilder(options.withFlushInterval(Objects.requireNonNull(interval, "interval")));
    }

    /**
     * How long {@link Redirection#close()} waits for child processes that still
     * hold the redirected fd; 1 second by default. What they wrote until then is
     * delivered; <b>what they write later goes where the fd pointed before the
     * redirection</b>, and their writes never fail. This bounds only the wait for
     * children: bytes already written are always delivered, however slow the sink.
     *
     * @param timeout the longest wait for children
     * @return a new builder with this setting
     */
    public RedirectBuilder closeTimeout(Duration timeout) {
        return new RedirectBuilder(options.withCloseTimeout(Objects.requireNonNull(timeout, "timeout")));
    }

    /**
     * How long one sink call may run before {@link Redirection#close()} stops
     * waiting for it; 30 seconds by default. <b>Delivery is never cut short while
     * the sinks make progress</b>: this bounds a single call (a {@link Sink#lines}
     * consumer, a stream's {@code write}, a logger) that does not return, for
     * example a logger appender stuck on a dead network share. When close() finds
     * a call running longer than this, it stops waiting (the fds are restored at
     * once, as always), counts every byte not yet delivered in
     * {@link Redirection#droppedBytes()}, and throws a {@link CaptureException}
     * saying which sink stalled, on which thread and for how long; the stuck
     * sink is not called again. Its reader thread, spool and saved descriptor
     * are released when the call returns, if it ever does. The shutdown hook
     * that closes redirections at JVM exit uses the same limit, so exit is bounded.
     *
     * @param timeout the longest a single sink call may run while close() waits; positive
     * @return a new builder with this setting
     */
    public RedirectBuilder stallTimeout(Duration timeout) {
        return new RedirectBuilder(options.withStallTimeout(Objects.requireNonNull(timeout, "timeout")));
    }

    /**
     * How many bytes may wait for a slow sink, per fd; at least 1 MiB. <b>By
     * default 256 MiB, or 1/16 of the memory cgroup's limit if that is less</b>
     * (cgroup v2 {@code memory.max}, v1 {@code memory.limit_in_bytes}, of the
     * process's cgroup or an ancestor, read once), but never below 1 MiB: a
     * container limited to 512 MiB gets 32 MiB per fd, so a redirection of both
     * fds keeps at most 1/8 of the limit waiting.
     *
     * <p>Writers never wait for the reader (that is what makes the capture
     * deadlock-free), so when a sink cannot keep up the backlog is kept in memory
     * (shared memory: outside the JVM's heap and RSS, but charged to the memory
     * cgroup, hence the default). <b>When the backlog passes this limit, the
     * reader skips all of it: it counts the skipped bytes in
     * {@link Redirection#droppedBytes()}, logs a warning when the redirection
     * closes, and goes on with what is written next, which may start
     * mid-line.</b> The check runs between sink calls, so one very
     * slow call can let the backlog overshoot by what arrives meanwhile. Set
     * {@code Long.MAX_VALUE} to never drop (memory is then the limit).
     *
     * @param bytes the largest backlog kept
     * @return a new builder with this setting
     */
    public RedirectBuilder backlogLimit(long bytes) {
        return new RedirectBuilder(options.withBacklogLimit(bytes));
    }

    /**
     * Whether Java's own {@code System.out}/{@code System.err} are captured with
     * the rest ({@link JavaStreams#CAPTURE}, the default here) or keep going where
     * they went before ({@link JavaStreams#BYPASS}).
     *
     * @param mode capture or bypass Java's own streams
     * @return a new builder with this setting
     */
    public RedirectBuilder javaStreams(JavaStreams mode) {
        return new RedirectBuilder(options.withJavaStreams(Objects.requireNonNull(mode, "mode")));
    }

    /**
     * The longest line {@link Sink#lines} delivers whole, in bytes; longer ones come in pieces. 1 MiB by default.
     *
     * @param bytes the longest whole line, in bytes
     * @return a new builder with this setting
     */
    public RedirectBuilder maxLineLength(int bytes) {
        return new RedirectBuilder(options.withMaxLineLength(bytes));
    }

    /**
     * Redirects. When this returns, every write to the redirected fds, from any
     * thread, native code, child process or the JVM itself, goes to the sinks,
     * until {@link Redirection#close()}. <b>A redirection still open when the
     * JVM exits</b> ({@code System.exit}, the last non-daemon thread ending,
     * SIGTERM or SIGINT) <b>is closed by the library's shutdown hook</b>, newest
     * first, so everything written before exit reaches its sinks and the original
     * fds; each close is bounded by {@link #closeTimeout} and {@link #stallTimeout},
     * so exit is too. (Sinks must still work while shutdown hooks run:
     * {@code java.util.logging} resets its handlers in a hook of its own.)
     *
     * @return the active redirection; close it to restore the fds
     * @throws UnsupportedOperationException if {@link NativeOutput#isSupported()} is false
     * @throws IllegalArgumentException      if an option is out of range
     * @throws CaptureException              if a system call fails; nothing is left changed
     */
    public Redirection start() {
        NativeOutput.ensureSupported();
        Options checked = options.validate();
        Redirection r = Redirection.start(checked.forDescriptors(FdTable.redirectable(1), FdTable.redirectable(2)));
        ExitHook.track(r);
        return r;
    }

    @Override
    public String toString() {
        return "NativeOutput.redirect() with " + options;
    }
}
