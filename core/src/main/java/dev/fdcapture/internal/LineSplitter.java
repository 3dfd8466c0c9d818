package dev.fdcapture.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Splits a byte stream into lines and decodes each one.
 *
 * <p>A line ends at {@code \n} or {@code \r\n}; the terminator is not part of
 * it. Splitting happens on bytes, before decoding, so a multi-byte character
 * split across two reads is decoded whole; this is why the charset must encode
 * {@code \n} and {@code \r} as the single bytes 0x0A and 0x0D and never use those
 * bytes inside another character (true of UTF-8, ISO-8859-*, windows-125x,
 * Shift_JIS, GBK, EUC-*; false of UTF-16 and UTF-32). Malformed input becomes
 * U+FFFD. A line longer than {@code maxLineBytes} is delivered in pieces of at
 * most that many bytes, cut between characters, so memory stays bounded.
 *
 * <p>Not thread-safe: one reader thread feeds it.
 */
public final class LineSplitter {
    private final Charset charset;
    private final int maxLineBytes;
    private final Consumer<String> consumer;
    private final CharsetDecoder pieceDecoder;
    private byte[] carry = new byte[256];
    private int carried;
    /** Whether the current line was already cut into a piece (then an empty rest is not a line). */
    private boolean cut;

    public LineSplitter(Charset charset, int maxLineBytes, Consumer<String> consumer) {
        if (maxLineBytes < 4) {
            throw new IllegalArgumentException("maxLineBytes must be at least 4: " + maxLineBytes);
        }
        this.charset = charset;
        this.maxLineBytes = maxLineBytes;
        this.consumer = consumer;
        this.pieceDecoder = charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
    }

    /** Whether lines can be split on bytes for this charset (see the class comment). */
    public static boolean splitsOnBytes(Charset charset) {
        return charset.canEncode()
                && Arrays.equals("\n".getBytes(charset), new byte[] {'\n'})
                && Arrays.equals("\r".getBytes(charset), new byte[] {'\r'})
                && Arrays.equals("a\nb".getBytes(charset), new byte[] {'a', '\n', 'b'});
    }

    public void accept(byte[] bytes, int offset, int length) {
        int end = offset + length;
        int start = offset;
        for (int i = indexOfNewline(bytes, offset, end); i >= 0; i = indexOfNewline(bytes, i + 1, end)) {
            if (carried == 0) {
                int lineEnd = i > start && bytes[i - 1] == '\r' ? i - 1 : i;
                if (lineEnd > start || !cut) {
                    emit(bytes, start, lineEnd - start);
                }
            } else {
                appendBounded(bytes, start, i - start);
                int lineEnd = carried > 0 && carry[carried - 1] == '\r' ? carried - 1 : carried;
                if (lineEnd > 0 || !cut) {
                    consumer.accept(new String(carry, 0, lineEnd, charset));
                }
                carried = 0;
            }
            cut = false;
            start = i + 1;
        }
        if (start < end) {
            appendBounded(bytes, start, end - start);
        }
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;
    private static final long LOW_BITS = 0x0101010101010101L;
    private static final long HIGH_BITS = 0x8080808080808080L;

    /**
     * The index of the first {@code \n} in {@code [from, end)}, or -1; eight bytes
     * at a time (a zero byte of {@code word ^ NEWLINES} marks a newline).
     */
    static int indexOfNewline(byte[] bytes, int from, int end) {
        int i = from;
        for (; i + 8 <= end; i += 8) {
            long x = (long) LONGS.get(bytes, i) ^ NEWLINES;
            long found = (x - LOW_BITS) & ~x & HIGH_BITS;
            if (found != 0) {
                return i + (Long.numberOfTrailingZeros(found) >>> 3);
            }
        }
        for (; i < end; i++) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** Delivers the last partial line, if any. */
    public void finish() {
        if (carried > 0) {
            consumer.accept(new String(carry, 0, carried, charset));
            carried = 0;
        }
        cut = false;
    }

    private void emit(byte[] bytes, int offset, int length) {
        if (length <= maxLineBytes) {
            consumer.accept(new String(bytes, offset, length, charset));
            return;
        }
        // A whole line too long to deliver at once: reuse the carry path.
        appendBounded(bytes, offset, length);
        finish();
    }

    /** Appends without a line end, delivering pieces whenever the carry is full. */
    private void appendBounded(byte[] bytes, int offset, int length) {
        while (length > 0) {
            if (carried >= maxLineBytes) {
                emitPiece();
            }
            int n = Math.min(maxLineBytes - carried, length);
            append(bytes, offset, n);
            offset += n;
            length -= n;
        }
    }

    /** Delivers the carry up to a character boundary; keeps an incomplete character and a trailing CR. */
    private void emitPiece() {
        int limit = carried;
        if (carry[limit - 1] == '\r') {
            limit--; // may be the first half of \r\n
        }
        ByteBuffer in = ByteBuffer.wrap(carry, 0, limit);
        CharBuffer out = CharBuffer.allocate(limit);
        pieceDecoder.reset();
        pieceDecoder.decode(in, out, false);
        int consumed = in.position();
        if (consumed == 0) {
            // Not even one character decodes: deliver the bytes as they are.
            consumed = limit;
            out.clear();
            out.append(new String(carry, 0, limit, charset));
        }
        out.flip();
        consumer.accept(out.toString());
        cut = true;
        System.arraycopy(carry, consumed, carry, 0, carried - consumed);
        carried -= consumed;
    }

    private void append(byte[] bytes, int offset, int length) {
        if (carried + length > carry.length) {
            carry = Arrays.copyOf(carry, Math.max(carried + length, Math.min(carry.length * 2, maxLineBytes + 1)));
        }
        System.arraycopy(bytes, offset, carry, carried, length);
        carried += length;
    }
}
