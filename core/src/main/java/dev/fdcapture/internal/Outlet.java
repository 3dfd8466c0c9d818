package dev.fdcapture.internal;

/**
 * Where a reader delivers bytes: the compiled form of a public {@code Sink}.
 * Called on the reader thread only, in order.
 */
public interface Outlet {
    /** Delivers {@code chunk[0, chunk.length())}. */
    void write(Chunk chunk) throws Exception;

    /** End of the stream: deliver what is held back (a partial line), flush. */
    default void finish() throws Exception {
    }
}
