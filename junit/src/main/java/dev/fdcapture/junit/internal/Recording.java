package dev.fdcapture.junit.internal;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The text of one test's fd 1 and fd 2, as the readers deliver it: each stream
 * on its own, both together in the order the pieces arrived, and the pieces
 * themselves for the echo. Bytes are decoded as UTF-8 per stream, so a
 * character split between two deliveries (or two streams' pieces in between)
 * still decodes; malformed input becomes U+FFFD. Thread-safe.
 */
final class Recording {
    private final StringBuilder out = new StringBuilder();
    private final StringBuilder err = new StringBuilder();
    private final StringBuilder all = new StringBuilder();
    private final Decoder outDecoder = new Decoder();
    private final Decoder errDecoder = new Decoder();
    /** Where each run of one stream ends in {@link #all}: positive for fd 1, negative for fd 2. */
    private final List<Integer> pieces = new ArrayList<>();
    private boolean finished;

    synchronized void append(boolean stderr, byte[] bytes, int offset, int length) {
        if (finished) {
            return;
        }
        add(stderr, (stderr ? errDecoder : outDecoder).decode(bytes, offset, length, false));
    }

    /** The end: a character still cut off becomes U+FFFD. */
    synchronized void finish() {
        if (finished) {
            return;
        }
        add(false, outDecoder.decode(new byte[0], 0, 0, true));
        add(true, errDecoder.decode(new byte[0], 0, 0, true));
        finished = true;
    }

    synchronized String out() {
        return out.toString();
    }

    synchronized String err() {
        return err.toString();
    }

    synchronized String all() {
        return all.toString();
    }

    /** Prints every piece to {@code out} or {@code err}, in the order they arrived. */
    synchronized void replay(PrintStream toOut, PrintStream toErr) {
        int from = 0;
        for (int piece : pieces) {
            int to = Math.abs(piece);
            (piece > 0 ? toOut : toErr).print(all.substring(from, to));
            from = to;
        }
        toOut.flush();
        toErr.flush();
    }

    private void add(boolean stderr, CharSequence text) {
        if (text.length() == 0) {
            return;
        }
        (stderr ? err : out).append(text);
        all.append(text);
        int end = all.length();
        int last = pieces.isEmpty() ? 0 : pieces.get(pieces.size() - 1);
        if (last != 0 && (last < 0) == stderr) {
            pieces.set(pieces.size() - 1, stderr ? -end : end);
        } else {
            pieces.add(stderr ? -end : end);
        }
    }

    /** UTF-8 with the tail of a cut-off character kept for the next delivery. */
    private static final class Decoder {
        private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        private final byte[] tail = new byte[8];
        private int tailLength;

        CharSequence decode(byte[] bytes, int offset, int length, boolean end) {
            ByteBuffer in;
            if (tailLength > 0) {
                in = ByteBuffer.allocate(tailLength + length);
                in.put(tail, 0, tailLength).put(bytes, offset, length).flip();
                tailLength = 0;
            } else {
                in = ByteBuffer.wrap(bytes, offset, length);
            }
            CharBuffer chars = CharBuffer.allocate(in.remaining() + 2);
            decoder.decode(in, chars, end);
            if (end) {
                decoder.flush(chars);
                decoder.reset();
            } else {
                tailLength = in.remaining();
                in.get(tail, 0, tailLength);
            }
            chars.flip();
            return chars;
        }
    }
}
