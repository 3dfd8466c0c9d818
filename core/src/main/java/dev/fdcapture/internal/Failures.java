package dev.fdcapture.internal;

import java.util.concurrent.atomic.AtomicReference;

/** The first failure of any sink of one redirection; later ones are attached as suppressed. */
public final class Failures {
    private static final int MAX_SUPPRESSED = 16;

    private final AtomicReference<Throwable> first = new AtomicReference<>();
    private int suppressed;

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
