package dev.fdcapture.agent;

import dev.fdcapture.Sink;
import dev.fdcapture.slf4j.Slf4jSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.slf4j.helpers.SubstituteLogger;

import java.io.OutputStream;

/**
 * The SLF4J destination. Loaded only once {@link Slf4jPresence} has found
 * slf4j-api 2 on the class path: this is the only class of the agent that
 * refers to SLF4J.
 */
final class Slf4jRoute {
    private Slf4jRoute() {
    }

    private static final Object INIT = new Object();
    private static volatile boolean initialized;

    /**
     * One event per line on the logger named {@code name}, through fdcapture-slf4j's
     * sink, after SLF4J is initialized (see {@link #initializeFirst()}).
     */
    static Sink sink(String name, AgentOptions.LineLevel level) {
        return Sink.tee(initializeFirst(), Slf4jSink.of(new LazyLogger(name), level(level)));
    }

    /**
     * Initializes SLF4J at the first bytes of either fd, one reader at a time. Both
     * readers start logging at about the same moment; left to themselves, the
     * second would find SLF4J mid-initialization and get its substitute provider
     * (its events queued and replayed later, without their MDC, and SLF4J's notices
     * about it on stderr), and log4j2 would start two contexts, one of which drops
     * every event. A tee runs its sinks in order, so this one, first in it,
     * runs before the logging sink sees the same bytes.
     */
    private static Sink initializeFirst() {
        return Sink.stream(new OutputStream() {
            @Override
            public void write(int b) {
                write(null, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                if (!initialized) {
                    synchronized (INIT) {
                        if (!initialized) {
                            // A logger, not just the factory: log4j2 starts its context at the first one.
                            LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
                            initialized = true;
                        }
                    }
                }
            }
        });
    }

    private static Level level(AgentOptions.LineLevel level) {
        switch (level) {
            case TRACE:
                return Level.TRACE;
            case DEBUG:
                return Level.DEBUG;
            case INFO:
                return Level.INFO;
            case WARN:
                return Level.WARN;
            default:
                return Level.ERROR;
        }
    }

    /**
     * A logger that asks {@link LoggerFactory} for the real one at its first
     * event, so that {@code premain} does not initialize SLF4J (and its backend,
     * with whatever configuration it finds then) before the application's
     * {@code main} has had its say. SLF4J's own substitute logger is made for
     * exactly this: every method goes through {@link #delegate()}.
     */
    private static final class LazyLogger extends SubstituteLogger {
        private volatile Logger real;

        LazyLogger(String name) {
            super(name, null, true);
        }

        @Override
        public Logger delegate() {
            Logger r = real;
            if (r == null) {
                synchronized (INIT) {
                    r = real;
                    if (r == null) {
                        r = LoggerFactory.getLogger(getName());
                        real = r;
                    }
                }
            }
            return r;
        }
    }
}
