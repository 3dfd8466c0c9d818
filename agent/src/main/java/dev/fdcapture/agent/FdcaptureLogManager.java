package dev.fdcapture.agent;

import java.io.IOException;
import java.io.InputStream;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * The {@code java.util.logging} manager the agent installs (through the system
 * property {@code java.util.logging.manager}, set in {@code premain} before
 * anything initializes JUL) when native output may end up in JUL: it is the
 * JDK's own {@link LogManager} in every respect but one.
 *
 * <p>JUL closes every handler in a shutdown hook of its own, which runs at the
 * same time as the hook that drains the agent's redirection: native lines
 * written just before {@code System.exit} would reach loggers without handlers
 * and be lost. <b>A {@link #reset()} during JVM shutdown first waits until the
 * agent has delivered everything</b> (at most {@link ExitDrain#LIMIT}), then
 * resets; not the reset that begins reading a configuration, which may run on
 * the very reader the drain waits for. A reset at any other time is the JDK's,
 * unchanged.
 *
 * <p>One more thing goes wrong at exit without it: JUL makes the root logger's
 * handlers (those of the {@code handlers} property) at the first record that
 * reaches them, and never once its hook has begun. JUL is often initialized
 * long before anything is logged (JNA does it when it loads, Java 21+ does it in
 * {@code System.exit}), so a first native line written just before exit found
 * no handler at all and not even the log file was created. <b>This manager makes
 * the root handlers when it reads a configuration</b> (at initialization, and at
 * every {@code readConfiguration}): a {@code FileHandler}'s file is created then,
 * not at the first record.
 */
public class FdcaptureLogManager extends LogManager {

    /**
     * Set while this thread reads a configuration, whose first step is a
     * {@link #reset()}. That reset must not wait for the drain: JUL may be set up
     * by the agent's own reader, delivering its first line during shutdown, and
     * the drain waits for that reader (it waited 30 s, the stall limit, per fd).
     */
    private static final ThreadLocal<Boolean> CONFIGURING = new ThreadLocal<>();

    /** Whether the JDK registered its reset hook for this manager (not when JUL starts during shutdown). */
    private final boolean resetAtExit;

    /** Made by {@code java.util.logging} itself, from the system property {@code java.util.logging.manager}. */
    public FdcaptureLogManager() {
        // LogManager's constructor adds the hook unless shutdown has begun.
        resetAtExit = !Shutdown.inProgress();
    }

    @Override
    public void reset() {
        if (CONFIGURING.get() == null && Shutdown.inProgress()) {
            ExitDrain.awaitCurrent(ExitDrain.LIMIT);
        }
        super.reset();
    }

    /** Makes the root handlers as soon as JUL has its root logger, at initialization. */
    @Override
    public boolean addLogger(Logger logger) {
        boolean added = super.addLogger(logger);
        if (added && logger.getName().isEmpty()) {
            logger.getHandlers();
        }
        return added;
    }

    /** Makes the root handlers of the new configuration at once (see the class comment). */
    @Override
    public void readConfiguration(InputStream ins) throws IOException, SecurityException {
        CONFIGURING.set(Boolean.TRUE);
        try {
            super.readConfiguration(ins);
        } finally {
            CONFIGURING.remove();
        }
        // Null while JUL initializes: the root logger is added (see addLogger) after the first read.
        Logger root = getLogger("");
        if (root != null) {
            root.getHandlers();
        }
    }

    /**
     * Closes the handlers once the agent has drained, when no hook of the JDK's
     * will: JUL was first used during shutdown (by the agent's own last lines).
     */
    void resetIfNoHookWill() {
        if (!resetAtExit) {
            reset();
        }
    }

    /** Shutdown detection without reflection: the JVM refuses new hooks once it has begun. */
    static final class Shutdown {
        private Shutdown() {
        }

        static boolean inProgress() {
            Thread probe = new Thread(() -> { }, "fdcapture-shutdown-probe");
            try {
                Runtime.getRuntime().addShutdownHook(probe);
            } catch (IllegalStateException e) {
                return true;
            }
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        }
    }
}
