package dev.fdcapture.junit.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Turns raw output into Surefire's test output events ({@code std-out-stream},
 * {@code std-out-stream-new-line} and the {@code std-err} pair), in the layout
 * {@link FrameSplitter} reads: what Surefire's own {@code System.out} would have
 * sent for the same text. Used by the run-wide mode under the default fork
 * channel, where these frames go to Maven in place, between Surefire's own
 * frames, so each line lands in the report of the test that was running.
 *
 * <p>A complete line becomes one {@code -new-line} event without its
 * {@code '\n'}; the rest of a chunk goes out at once as a plain event, cut at the
 * last whole UTF-8 character (the cut-off bytes wait for the next chunk), so
 * nothing waits for a newline that may never come. One instance per stream,
 * used by one thread at a time.
 */
public final class OutputFrames {
    private static final byte[] UTF_8 = "UTF-8".getBytes(StandardCharsets.US_ASCII);
    /** A null string, as Surefire encodes it (the decoder reads it back as null). */
    private static final byte[] NULL_STRING = {0};

    private final byte[] event;
    private final int strings;
    private final byte[] eventNewLine;
    private final OutputStream out;
    private final ByteArrayOutputStream frame = new ByteArrayOutputStream(256);
    /** Bytes of a UTF-8 character cut off at the end of the last chunk. */
    private final byte[] carry = new byte[3];
    private int carried;

    /**
     * @param stdout          whether these are {@code std-out} events, else {@code std-err}
     * @param surefireVersion the fork's Surefire version: since 3.6.0-M1 the events carry a second string
     * @param out             where each frame goes, in one {@code write} call
     */
    public OutputFrames(boolean stdout, String surefireVersion, OutputStream out) {
        this.strings = FrameSplitter.outputStrings(java.util.Objects.requireNonNull(surefireVersion, "surefireVersion"));
        String name = stdout ? "std-out-stream" : "std-err-stream";
        this.event = name.getBytes(StandardCharsets.US_ASCII);
        this.eventNewLine = (name + "-new-line").getBytes(StandardCharsets.US_ASCII);
        this.out = out;
    }

    /** Frames for {@code bytes[offset, offset + length)}, tagged with {@code runMode}. */
    public void write(byte[] bytes, int offset, int length, byte[] runMode) throws IOException {
        byte[] b = bytes;
        int from = offset;
        int to = offset + length;
        if (carried > 0) {
            b = new byte[carried + length];
            System.arraycopy(carry, 0, b, 0, carried);
            System.arraycopy(bytes, offset, b, carried, length);
            from = 0;
            to = b.length;
            carried = 0;
        }
        int lineStart = from;
        for (int i = from; i < to; i++) {
            if (b[i] == '\n') {
                emit(eventNewLine, b, lineStart, i - lineStart, runMode);
                lineStart = i + 1;
            }
        }
        if (lineStart < to) {
            int cut = wholeCharacters(b, lineStart, to);
            if (cut > lineStart) {
                emit(event, b, lineStart, cut - lineStart, runMode);
            }
            carried = to - cut;
            System.arraycopy(b, cut, carry, 0, carried);
        }
    }

    /** The end of the stream: a character still cut off goes out as it is. */
    public void finish(byte[] runMode) throws IOException {
        if (carried > 0) {
            emit(event, carry, 0, carried, runMode);
            carried = 0;
        }
    }

    /** Where the last whole UTF-8 character in {@code [from, to)} ends. */
    static int wholeCharacters(byte[] b, int from, int to) {
        int lead = to - 1;
        int back = 0;
        while (lead >= from && back < 3 && (b[lead] & 0xC0) == 0x80) {
            lead--;
            back++;
        }
        if (lead < from) {
            return to;
        }
        int v = b[lead] & 0xFF;
        int need = v >= 0xF0 && v < 0xF8 ? 4 : v >= 0xE0 ? 3 : v >= 0xC0 ? 2 : 1;
        if (v >= 0xF8) {
            need = 1; // not UTF-8 at all: nothing to wait for
        }
        return to - lead >= need ? to : lead;
    }

    private void emit(byte[] opcode, byte[] b, int offset, int length, byte[] runMode) throws IOException {
        if (length == 1 && b[offset] == 0) {
            return; // Surefire's decoder reads a lone NUL as a null string
        }
        frame.reset();
        frame.write(':');
        frame.write(FrameSplitter.MAGIC, 1, FrameSplitter.MAGIC.length - 1);
        frame.write(opcode.length);
        frame.write(':');
        frame.write(opcode);
        frame.write(':');
        frame.write(runMode.length);
        frame.write(':');
        frame.write(runMode);
        frame.write(':');
        frame.write(0); // no test run id: Maven attributes output by its place in the stream
        frame.write(':');
        frame.write(UTF_8.length);
        frame.write(':');
        frame.write(UTF_8);
        frame.write(':');
        string(b, offset, length);
        if (strings == 2) {
            string(NULL_STRING, 0, 1); // no stack of the caller
        }
        frame.writeTo(out);
    }

    private void string(byte[] b, int offset, int length) {
        frame.write(length >>> 24);
        frame.write(length >>> 16);
        frame.write(length >>> 8);
        frame.write(length);
        frame.write(':');
        frame.write(b, offset, length);
        frame.write(':');
    }
}
