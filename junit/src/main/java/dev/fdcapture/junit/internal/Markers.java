package dev.fdcapture.junit.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Takes fdcapture-junit's markers ({@code "\0\1fdcapture-sync-<n>\1"}: the run-wide mode's sync
 * points, and the warm-up that starts a capture's readers)
 * out of a stream, wherever deliveries cut it, and reports their numbers; the
 * rest goes on as it was. A marker is one {@code write()}, so it is never torn
 * apart by other output, only by the reader's chunks.
 */
final class Markers {
    private static final byte[] START = "\u0000\u0001fdcapture-sync-".getBytes(StandardCharsets.US_ASCII);
    private static final byte END = 1;
    private static final int MAX_DIGITS = 19;

    @FunctionalInterface
    interface Text {
        void write(byte[] b, int off, int len) throws IOException;
    }

    @FunctionalInterface
    interface Seen {
        void marker(long id) throws IOException;
    }

    private final Text text;
    private final Seen seen;
    private byte[] held = new byte[0];

    Markers(Text text, Seen seen) {
        this.text = text;
        this.seen = seen;
    }

    static byte[] marker(long id) {
        byte[] digits = Long.toString(id).getBytes(StandardCharsets.US_ASCII);
        byte[] m = Arrays.copyOf(START, START.length + digits.length + 1);
        System.arraycopy(digits, 0, m, START.length, digits.length);
        m[m.length - 1] = END;
        return m;
    }

    void write(byte[] b, int off, int len) throws IOException {
        byte[] data = b;
        int from = off;
        int to = off + len;
        if (held.length > 0) {
            data = new byte[held.length + len];
            System.arraycopy(held, 0, data, 0, held.length);
            System.arraycopy(b, off, data, held.length, len);
            from = 0;
            to = data.length;
            held = new byte[0];
        }
        int textFrom = from;
        int i = from;
        while (i < to) {
            if (data[i] != 0) {
                i++;
                continue;
            }
            long[] found = parse(data, i, to);
            if (found == null) {
                i++;
            } else if (found.length == 0) {
                break; // maybe a marker, cut off: wait for the rest
            } else {
                if (i > textFrom) {
                    text.write(data, textFrom, i - textFrom);
                }
                i = (int) found[1];
                textFrom = i;
                seen.marker(found[0]);
            }
        }
        if (i > textFrom) {
            text.write(data, textFrom, i - textFrom);
        }
        if (i < to) {
            held = Arrays.copyOfRange(data, i, to);
        }
    }

    /** The end of the stream: a cut-off start of a marker was output after all. */
    void finish() throws IOException {
        if (held.length > 0) {
            byte[] h = held;
            held = new byte[0];
            text.write(h, 0, h.length);
        }
    }

    /** {id, end} of the marker at {@code i}; null if there is none; empty if the bytes run out first. */
    private static long[] parse(byte[] data, int i, int to) {
        int k = 0;
        for (; k < START.length; k++) {
            if (i + k >= to) {
                return new long[0];
            }
            if (data[i + k] != START[k]) {
                return null;
            }
        }
        long id = 0;
        for (int j = i + k; j - (i + k) <= MAX_DIGITS; j++) {
            if (j >= to) {
                return new long[0];
            }
            byte c = data[j];
            if (c == END && j > i + k) {
                return new long[] {id, j + 1};
            }
            if (c < '0' || c > '9') {
                return null;
            }
            id = id * 10 + (c - '0');
        }
        return null;
    }
}
