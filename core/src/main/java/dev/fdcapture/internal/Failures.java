package dev.fdcapture.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The first failure of any sink of one redirection; later ones are attached as
 * suppressed. Also the warnings of its readers, held back until close() has
 * restored the fds, so that none lands in the capture it is about.
 */
public final class Failures {
    private static final int MAX_SUPPRESSED = 16;

    private final AtomicReference<Throwable> first = new AtomicReference<>();
    private int suppressed;
    private final List<String> warnings = new ArrayList<>(1);
    private boolean restored;

    /**
     * {@code first}, or {@code next} when there is no first failure yet; a later
     * one rides along as suppressed. For clean-ups that try every step and throw
     * the first failure at the end.
     */
    static RuntimeException chain(RuntimeException first, RuntimeException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    /** A warning: logged when close() has restored the fds, or at once if it has. */
    public void warn(String message) {
        synchronized (warnings) {
            if (!restored) {
                warnings.add(message);
                return;
            }
        }
        Log.LOG.log(System.Logger.Level.WARNING, message);
    }

    /** The fds are restored: logs the warnings held back, and later ones at once. */
    public void logWarnings() {
        List<String> held;
        synchronized (warnings) {
            restored = true;
            held = new ArrayList<>(warnings);
            warnings.clear();
        }
        for (String w : held) {
            Log.LOG.log(System.Logger.Level.WARNING, w);
        }
    }

    public void record(Throwable t) {
        if (!first.compareAndSet(null, t)) {
            Throwable head = first.get();
            synchronized (this) {
                if (head != t && suppressed++ < MAX_SUPPRESSED) {
                    head.addSuppressed(t);
                }
            }
        }
    }

    /** The first failure, or null. */
    public Throwable first() {
        return first.get();
    }
}
