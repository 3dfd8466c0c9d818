package dev.fdcapture.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A reader's heartbeat. One read's worth of bytes is one outlet call, but it may
 * be many calls of user code (a line consumer called per line, each sink of a
 * tee): outlets beat after each of those returns, so that close() tells a slow
 * sink that keeps returning from one stuck in a single call. A beat is one
 * ordered store on the reader thread, cheap enough for every line.
 */
final class Progress {
    private final AtomicLong beats = new AtomicLong();

    /** One call of user code returned. Reader thread only. */
    void beat() {
        beats.lazySet(beats.get() + 1);
    }

    /** How many beats so far; any thread. */
    long beats() {
        return beats.get();
    }
}
