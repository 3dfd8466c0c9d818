package dev.fdcapture.slf4j;

import dev.fdcapture.JavaStreams;
import dev.fdcapture.NativeOutput;
import dev.fdcapture.Origin;
import dev.fdcapture.RedirectBuilder;
import dev.fdcapture.Sink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.event.Level;

import java.util.Objects;

/**
 * Native output into SLF4J, one event per line.
 *
 * <pre>{@code
 * try (Redirection r = Slf4jSink.loggers().start()) {
 *     nativeLibrary.run();   // its stdout lines are INFO events on "native.stdout"
 * }
 * }</pre>
 *
 * <p>Each event records which fd the line came from, as {@code stdout},
 * {@code stderr} or {@code merged}: as the key-value pair {@value #STREAM_KEY}
 * (SLF4J 2's fluent API; JSON encoders write it as a field) and in the MDC under
 * the same key, for pattern layouts ({@code %X{native.stream}}). The message is
 * the line as written: {@code {}} in it is not a placeholder.
 *
 * <p>A console appender never feeds its own output back into the capture: logback's
 * follows {@code System.out}, log4j2's holds the original one, and both are
 * recognised (see {@link Sink#logLines}).
 */
public final class Slf4jSink {
    /** The MDC and key-value key that names the stream. */
    public static final String STREAM_KEY = "native.stream";

    private Slf4jSink() {
    }

    /**
     * One event per line on {@code logger} at {@code level}.
     *
     * @param logger where the events go
     * @param level  the level of every event
     * @return the sink
     */
    public static Sink of(Logger logger, Level level) {
        Objects.requireNonNull(logger, "logger");
        Objects.requireNonNull(level, "level");
        return Sink.logLines((origin, line) -> log(logger, level, origin, line));
    }

    /**
     * fd 1 at INFO on {@code native.stdout} and fd 2 at WARN on {@code native.stderr};
     * Java's own prints are not captured ({@link JavaStreams#BYPASS}). Start it, or
     * pass it to {@link NativeOutput#install(RedirectBuilder)}.
     *
     * @return a builder with both fds going to SLF4J
     */
    public static RedirectBuilder loggers() {
        return NativeOutput.redirect()
                .stdout(of(LoggerFactory.getLogger("native.stdout"), Level.INFO))
                .stderr(of(LoggerFactory.getLogger("native.stderr"), Level.WARN))
                .javaStreams(JavaStreams.BYPASS);
    }

    private static void log(Logger logger, Level level, Origin origin, String line) {
        String previous = MDC.get(STREAM_KEY);
        MDC.put(STREAM_KEY, origin.label());
        try {
            logger.atLevel(level).addKeyValue(STREAM_KEY, origin.label()).log(line);
        } finally {
            if (previous == null) {
                MDC.remove(STREAM_KEY);
            } else {
                MDC.put(STREAM_KEY, previous);
            }
        }
    }
}
