package dev.fdcapture.internal;

/**
 * fdcapture's own {@code System.Logger}, made at its first use: looking a logger
 * up initializes the application's logging backend ({@code java.util.logging}
 * by default), which a capture with nothing to report must not pay for on its
 * start (in an agent's premain it was 12 ms of a 60 ms start), and would set
 * the backend up before the application configured it.
 */
final class Log {
    static final System.Logger LOG = System.getLogger("dev.fdcapture");

    private Log() {
    }
}
