package dev.fdcapture;

/**
 * What {@link NativeOutput#capture} collected, decoded as UTF-8 (malformed input
 * becomes U+FFFD).
 *
 * @param stdout everything written to fd 1
 * @param stderr everything written to fd 2
 */
public record Captured(String stdout, String stderr) {
}
