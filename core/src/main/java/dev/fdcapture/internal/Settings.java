package dev.fdcapture.internal;

import java.nio.charset.Charset;
import java.time.Duration;

/**
 * The options of one redirection, as the assembly needs them; validated by the
 * API before they come down here.
 *
 * @param charset           for text sinks
 * @param flushIntervalNanos how often stdio is flushed while a reader is active
 * @param closeTimeout      how long close() waits for children holding the fd
 * @param backlogLimit      bytes a slow sink may fall behind before they are skipped
 * @param maxLineLength     the longest line delivered whole
 * @param bypassJavaStreams whether System.out/err keep going where they went
 * @param stallTimeout      how long close() waits for one sink call that does not return
 */
public record Settings(Charset charset, long flushIntervalNanos, Duration closeTimeout, long backlogLimit,
                       int maxLineLength, boolean bypassJavaStreams, Duration stallTimeout) {
}
