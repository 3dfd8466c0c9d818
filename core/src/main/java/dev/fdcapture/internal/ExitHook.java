package dev.fdcapture.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Every redirection still open when the JVM exits ({@code System.exit}, the last
 * non-daemon thread ending, SIGTERM or SIGINT) is closed by one shutdown hook,
 * newest first, so that what was written before exit reaches its sinks and the
 * original fds: a newer redirection's echo flows into the older one, which is
 * still open to take it. Reader threads are daemons, so without this whatever
 * was still in a spool would vanish with them.
 *
 * <p>Each close is bounded by the redirection's own limits (closeTimeout for
 * children, stallTimeout for a stuck sink), so exit is too. Failures are logged
 * once every redirection is closed, never while one still captures fd 2.
 */
public final class ExitHook implements Runnable {
    private static final List<AutoCloseable> OPEN = new ArrayList<>();
    private static boolean hookAdded;

    private ExitHook() {
    }

    /** Closes {@code redirection} at exit unless it is {@linkplain #forget forgotten} first. */
    public static void track(AutoCloseable redirection) {
        synchronized (OPEN) {
            if (!hookAdded) {
                try {
                    Runtime.getRuntime().addShutdownHook(new Thread(new ExitHook(), "fdcapture-exit"));
                } catch (IllegalStateException shuttingDown) {
                    return; // started during shutdown: whoever started it closes it
                }
                hookAdded = true;
            }
            OPEN.add(redirection);
        }
    }

    /** {@code redirection} is being closed by someone else. */
    public static void forget(AutoCloseable redirection) {
        synchronized (OPEN) {
            // Usually the newest: search from the end.
            for (int i = OPEN.size() - 1; i >= 0; i--) {
                if (OPEN.get(i) == redirection) {
                    OPEN.remove(i);
                    return;
                }
            }
        }
    }

    /** The shutdown hook (no lambda: a class spun at the first start). */
    @Override
    public void run() {
        List<Throwable> failures = new ArrayList<>();
        while (true) {
            AutoCloseable newest;
            synchronized (OPEN) {
                if (OPEN.isEmpty()) {
                    break;
                }
                newest = OPEN.remove(OPEN.size() - 1);
            }
            try {
                newest.close();
            } catch (Throwable t) {
                failures.add(t);
            }
        }
        for (Throwable t : failures) {
            Log.LOG.log(System.Logger.Level.WARNING, "fdcapture: closing a redirection at JVM exit failed: " + t, t);
        }
    }
}
