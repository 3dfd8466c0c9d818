package dev.fdcapture;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Where the bytes written to a redirected fd go.
 *
 * <p>Sinks that need Java code ({@link #buffer()}, {@link #lines}, {@link #stream},
 * {@link #tee}) run on the redirection's reader thread, one call at a time and in
 * write order (a redirection nobody wrote to never starts a reader: its final
 * flush runs on the thread that closes it). <b>A sink that throws is not called again</b>; the rest of the
 * redirection keeps going, writers are never blocked, and
 * {@link Redirection#close()} throws a {@link CaptureException} whose cause is
 * the first failure. The other sinks are done by the kernel without a reader:
 * {@link #file}, {@link #appendTo} and {@link #discard()} make the fd refer to the
 * file itself, and {@link #original()} leaves the fd alone.
 *
 * <p>To write your own, pass a lambda to {@link #lines} or an
 * {@link OutputStream} to {@link #stream}. This interface is sealed so the
 * library can recognise the sinks it can do better than a reader thread.
 */
public sealed interface Sink
        permits Sink.Buffer, Sinks.Lines, Sinks.Stream, Sinks.ToFile, Sinks.Discard,
                Sinks.Original, Sinks.Tee, Sinks.IntoStdout, Sinks.LogLines, Sinks.SystemStream, Sinks.Filter {

    /**
     * Keeps every byte in memory; read it with {@link Buffer#text()} or {@link Buffer#bytes()}.
     *
     * @return a new, empty buffer
     */
    static Buffer buffer() {
        return new Buffer();
    }

    /**
     * Calls {@code consumer} once per line.
     *
     * <p>{@code \n} and {@code \r\n} end a line, and the terminator is not passed
     * on. <b>Blank lines are passed on as empty strings. The last line is passed
     * on when the redirection closes even if it has no terminator.</b> Bytes are
     * decoded with the redirection's charset (UTF-8 unless
     * {@link RedirectBuilder#charset} says otherwise) after the line is split, so
     * a character split across two writes decodes correctly; <b>malformed input
     * becomes U+FFFD</b>. A line longer than {@link RedirectBuilder#maxLineLength}
     * bytes (1 MiB by default) is passed on in pieces, so memory stays bounded.
     *
     * @param consumer called with each line, on the reader thread
     * @return the sink
     */
    static Sink lines(Consumer<String> consumer) {
        return new Sinks.Lines(Objects.requireNonNull(consumer, "consumer"));
    }

    /**
     * Lines for a consumer that logs, told which fd each line came from, like
     * {@link #lines} otherwise. <b>Made for consumers that may print to the console:
     * whatever the consumer's own call writes to a redirected fd (a console
     * appender holding the original {@code System.out}, JUL's {@code ConsoleHandler}
     * holding the original {@code System.err}) is recognised as its echo, by the
     * line's text appearing in it, and goes to the saved original fd instead of
     * coming back as a new line.</b> <b>A native line never leaves the sink because
     * of its text alone:</b> only bytes the consumer's own thread wrote during that
     * call can be its echo (the kernel counts each thread's writes, in
     * {@code /proc/thread-self/io}), so with a logger that writes nowhere near a
     * captured fd (a file appender) nothing is diverted, and repeated identical
     * native lines all reach it. The one coincidence left: a logger call that
     * writes one record to a file with a bare {@code %msg%n} layout, while a
     * native line identical to it is written to the captured fd during that very
     * call; that line goes to the terminal instead. Without {@code /proc}, any
     * output during the call up to the end of the text's line is taken as echo.
     * The SLF4J module builds on this.
     *
     * @param handler called with each line and the fd it came from, on the reader thread
     * @return the sink
     */
    static Sink logLines(BiConsumer<Origin, String> handler) {
        return new Sinks.LogLines(Objects.requireNonNull(handler, "handler"));
    }

    /**
     * One record per line on a {@link System.Logger}. The logger's name is the
     * place to say which stream it is; {@link NativeOutput#toLoggers()} uses
     * {@code native.stdout} and {@code native.stderr}. Console output of the logger
     * itself never loops back (see {@link #logLines}).
     *
     * @param logger where the records go
     * @param level  the level of every record
     * @return the sink
     */
    static Sink logger(System.Logger logger, System.Logger.Level level) {
        Objects.requireNonNull(logger, "logger");
        Objects.requireNonNull(level, "level");
        return logLines((origin, line) -> logger.log(level, line));
    }

    /**
     * One record per line on a {@code java.util.logging} logger. Each record's
     * source class name says which fd the line came from: {@code native.stdout},
     * {@code native.stderr} or {@code native.merged}, which
     * {@code SimpleFormatter} prints where it prints the source. The message is
     * the line as written: never a format pattern. JUL's {@code ConsoleHandler}
     * writes to the original {@code System.err}, i.e. fd 2; that never loops back
     * (see {@link #logLines}).
     *
     * @param logger where the records go
     * @param level  the level of every record
     * @return the sink
     */
    static Sink logger(java.util.logging.Logger logger, java.util.logging.Level level) {
        Objects.requireNonNull(logger, "logger");
        Objects.requireNonNull(level, "level");
        return logLines((origin, line) -> {
            java.util.logging.LogRecord record = new java.util.logging.LogRecord(level, line);
            record.setLoggerName(logger.getName());
            record.setSourceClassName("native." + origin.label());
            record.setSourceMethodName(null);
            logger.log(record);
        });
    }

    /**
     * Forwards the bytes to whatever {@code System.out} is at the moment of each
     * write: an IDE console, a notebook kernel's stream, a test runner's capture.
     * <b>If that stream writes to a redirected fd (the JVM's own {@code System.out}
     * is on fd 1), what it writes goes to the saved original fd instead: it never
     * comes back into the capture.</b>
     *
     * @return the sink
     */
    static Sink systemOut() {
        return Sinks.SystemStream.OUT;
    }

    /**
     * Like {@link #systemOut()}, for {@code System.err}.
     *
     * @return the sink
     */
    static Sink systemErr() {
        return Sinks.SystemStream.ERR;
    }

    /**
     * Writes the raw bytes to {@code out}, and flushes it (without closing it) at the end.
     *
     * @param out where the bytes go; it is not closed
     * @return the sink
     */
    static Sink stream(OutputStream out) {
        return new Sinks.Stream(Objects.requireNonNull(out, "out"));
    }

    /**
     * Raw bytes to a stream that decides what to keep and what to let through to
     * where the fd pointed before the redirection: for example another program's
     * messages that share the fd (a test runner's protocol on fd 1) pass through
     * untouched while the rest is kept.
     *
     * <p>{@code filter} is called once per {@link RedirectBuilder#start()} with a
     * stream to that place (the one {@link #original()} writes to: a saved copy of
     * the descriptor, so <b>nothing written to it comes back into the capture</b>),
     * and returns the stream that receives every byte written to the fd, in order,
     * on the reader thread. <b>That stream is closed after its last write</b>, when
     * the redirection ends. The original stream may be written to from any thread
     * until then; afterwards it throws {@link java.io.IOException}. Like
     * {@link #original()}, it follows an enclosing redirection that closes first.
     *
     * @param filter makes the stream that gets every byte, given the stream to the original fd
     * @return the sink
     */
    static Sink filter(Function<OutputStream, OutputStream> filter) {
        return new Sinks.Filter(Objects.requireNonNull(filter, "filter"));
    }

    /**
     * Truncates or creates {@code file} and makes the fd refer to it, like a shell
     * {@code >}: no reader thread and no copy. Inside a {@link #tee} the reader
     * writes to it instead.
     *
     * @param file the file to write
     * @return the sink
     */
    static Sink file(Path file) {
        return new Sinks.ToFile(Objects.requireNonNull(file, "file"), false);
    }

    /**
     * Appends to {@code file} (created if missing), like a shell {@code >>}.
     *
     * @param file the file to append to
     * @return the sink
     */
    static Sink appendTo(Path file) {
        return new Sinks.ToFile(Objects.requireNonNull(file, "file"), true);
    }

    /**
     * Throws everything away: the fd refers to {@code /dev/null}.
     *
     * @return the sink
     */
    static Sink discard() {
        return Sinks.Discard.INSTANCE;
    }

    /**
     * Where the fd pointed before the redirection: alone, it leaves the fd
     * untouched; in a {@link #tee} it echoes to the terminal (or whatever it was).
     * <b>It writes to a saved copy of the original descriptor, never through the
     * captured fd, so echoing cannot feed back into the capture.</b> For a
     * redirection nested in another, "before" is the outer one, or what the outer
     * one restored if it closed first.
     *
     * @return the sink
     */
    static Sink original() {
        return Sinks.Original.INSTANCE;
    }

    /**
     * Every sink in turn, for example {@code tee(lines(log::info), original())}.
     * A failing sink is dropped from the tee; the others go on.
     *
     * @param sinks the sinks, in the order they are called
     * @return the sink
     */
    static Sink tee(Sink... sinks) {
        Objects.requireNonNull(sinks, "sinks");
        List<Sink> flat = new ArrayList<>();
        for (Sink s : sinks) {
            Objects.requireNonNull(s, "a sink in tee(...) is null");
            if (s instanceof Sinks.Tee) {
                flat.addAll(((Sinks.Tee) s).sinks());
            } else if (s instanceof Sinks.IntoStdout) {
                throw new IllegalArgumentException(
                        "intoStdout() cannot be part of a tee; use it alone as the stderr sink");
            } else if (!(s instanceof Sinks.Discard)) {
                flat.add(s);
            }
        }
        if (flat.isEmpty()) {
            return discard();
        }
        return flat.size() == 1 ? flat.get(0) : new Sinks.Tee(List.copyOf(flat));
    }

    /**
     * For stderr only: fd 2 shares fd 1's destination (like a shell {@code 2>&1}),
     * so one reader sees both streams <b>in the exact order they were written</b>.
     *
     * @return the sink
     */
    static Sink intoStdout() {
        return Sinks.IntoStdout.INSTANCE;
    }

    /**
     * Every byte, in memory. Safe to read from any thread; after
     * {@link Redirection#close()} returns it holds everything written before the
     * close began.
     */
    final class Buffer implements Sink {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private volatile Charset charset = StandardCharsets.UTF_8;

        private Buffer() {
        }

        /**
         * Everything so far, decoded with the redirection's charset; malformed input becomes U+FFFD.
         *
         * @return the text
         */
        public String text() {
            synchronized (bytes) {
                return bytes.toString(charset);
            }
        }

        /**
         * A copy of everything so far.
         *
         * @return the bytes
         */
        public byte[] bytes() {
            synchronized (bytes) {
                return bytes.toByteArray();
            }
        }

        /**
         * How many bytes it holds.
         *
         * @return the number of bytes
         */
        public int size() {
            synchronized (bytes) {
                return bytes.size();
            }
        }

        void charset(Charset charset) {
            this.charset = charset;
        }

        void append(byte[] b, int offset, int length) {
            synchronized (bytes) {
                bytes.write(b, offset, length);
            }
        }

        @Override
        public String toString() {
            return "Sink.buffer() holding " + size() + " bytes";
        }
    }
}
