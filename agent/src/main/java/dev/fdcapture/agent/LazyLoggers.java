package dev.fdcapture.agent;

import dev.fdcapture.Origin;
import dev.fdcapture.Sink;

import java.util.function.BiConsumer;
import java.util.function.Supplier;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Sinks for {@code java.util.logging} and {@link System.Logger} that look their
 * logger up when the first line arrives, not in {@code premain}: looking it up
 * would start the logging framework before the application's {@code main} could
 * configure it (set {@code java.util.logging.config.file}, its own manager, a
 * {@code LoggerFinder}).
 */
final class LazyLoggers {
    private LazyLoggers() {
    }

    /** One record per line on the {@code System.Logger} named {@code name}. */
    static Sink systemLogger(String name, System.Logger.Level level, Runnable onFirstUse) {
        Lazy<System.Logger> logger = new Lazy<>(() -> {
            onFirstUse.run();
            return System.getLogger(name);
        });
        return Sink.logLines((origin, line) -> logger.get().log(level, line));
    }

    /**
     * One record per line on the JUL logger named {@code name}, shaped like
     * {@code Sink.logger(java.util.logging.Logger, Level)}'s: the stream is the
     * record's source class name ({@code native.stdout}, {@code native.stderr}).
     */
    static Sink jul(String name, java.util.logging.Level level, Runnable onFirstUse) {
        Lazy<Logger> logger = new Lazy<>(() -> {
            onFirstUse.run();
            return Logger.getLogger(name);
        });
        BiConsumer<Origin, String> log = (origin, line) -> {
            Logger l = logger.get();
            LogRecord record = new LogRecord(level, line);
            record.setLoggerName(l.getName());
            record.setSourceClassName("native." + origin.label());
            record.setSourceMethodName(null);
            l.log(record);
        };
        return Sink.logLines(log);
    }

    /** Whether {@link System.Logger}s are the JDK's default ones, which log through JUL. */
    static boolean systemLoggerIsJul() {
        return System.LoggerFinder.getLoggerFinder().getClass().getName()
                .equals("sun.util.logging.internal.LoggingProviderImpl");
    }

    /**
     * Makes JUL's root handlers now and returns JUL's manager. JUL makes them at
     * the first record that reaches the root logger, but never once its own exit
     * hook has begun: a first native line written just before {@code System.exit}
     * would find no handler at all (not even the log file would be created).
     */
    static LogManager julHandlersReady() {
        LogManager manager = LogManager.getLogManager();
        Logger.getLogger("").getHandlers();
        return manager;
    }

    /** A value made once, on first use, by whichever thread gets there first. */
    static final class Lazy<T> {
        private final Supplier<T> make;
        private volatile T value;

        Lazy(Supplier<T> make) {
            this.make = make;
        }

        T get() {
            T v = value;
            if (v == null) {
                synchronized (this) {
                    v = value;
                    if (v == null) {
                        v = make.get();
                        value = v;
                    }
                }
            }
            return v;
        }
    }
}
