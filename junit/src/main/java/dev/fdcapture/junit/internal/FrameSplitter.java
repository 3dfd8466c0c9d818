package dev.fdcapture.junit.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * Splits the bytes written to fd 1 of a Surefire fork into Surefire's event
 * frames and everything else, as they arrive in chunks of any size.
 *
 * <p>Under Surefire's default fork channel the fork's fd 1 is its pipe to Maven,
 * and its events (test started, test output, test finished) are frames written
 * there ({@code EventChannelEncoder}, surefire-booter 3.x):
 * <pre>
 * ':' "maven-surefire-event" ':' len ':' opcode ':' [fields]
 * </pre>
 * where every field ends with {@code ':'}: a run mode and a charset are a length
 * byte, {@code ':'} and that many bytes; a test run id is {@code 0x00} or
 * {@code 0x01} and 8 bytes; a string is a 4-byte big-endian length, {@code ':'}
 * and that many bytes; an integer is {@code 0x00} or {@code 0xFF} and 4 bytes.
 * Which fields follow depends on the opcode, as in Maven's {@code EventDecoder}.
 *
 * <p>Why a frame is never torn apart by other output: Surefire writes each batch
 * of whole frames with one {@code write()} (a 64 KiB {@code BufferedOutputStream}
 * that never splits a frame, over the JVM's autoflushing {@code System.out}), and
 * fdcapture's spool is opened {@code O_APPEND}, so every {@code write()} lands in
 * one piece. Only the chunks the reader hands over can end inside a frame; the
 * rest of it is then in the next chunk, and the splitter waits for it.
 *
 * <p>Bytes that look like the start of a frame but do not parse as one are
 * output. A frame with an opcode this class does not know (a newer Surefire)
 * is passed on up to the next frame's start, and {@link #sawUnknownFrames()}
 * says so.
 */
public final class FrameSplitter {
    /** Where the two kinds of bytes go; called in stream order. */
    public interface Receiver {
        void text(byte[] bytes, int offset, int length) throws IOException;

        void frame(byte[] bytes, int offset, int length) throws IOException;
    }

    static final byte[] MAGIC = ":maven-surefire-event:".getBytes(StandardCharsets.US_ASCII);
    /** A string field longer than this is not taken for one (it would only stall the output). */
    private static final int MAX_STRING = 512 << 20;
    /** More strings than this before a test event's integer field: not a test event. */
    private static final int MAX_LEADING_STRINGS = 32;

    private static final int NEED_MORE = -1;
    private static final int NOT_A_FRAME = -2;

    private enum Layout {
        /** bye, next-test, stop-on-next-test. */
        NO_DATA,
        /** console-info-log and the other console logs but errors: charset, one string. */
        ONE_STRING,
        /** console-error-log, jvm-exit-error: charset, three strings. */
        ERROR,
        /**
         * std-out-stream and friends: run mode, test run id, charset, the text and,
         * since Surefire 3.6.0-M1, the caller's stack.
         */
        OUTPUT,
        /** sys-prop: run mode, test run id, charset, two strings. */
        PROPERTY,
        /**
         * testset-starting, test-succeeded and the other test events: run mode, test
         * run id, charset, strings (6 in Surefire 3.0-3.5, 7 later), an integer,
         * three strings. The strings before the integer are counted, not fixed.
         */
        TEST_EVENT
    }

    private static final Map<String, Layout> LAYOUTS = Map.ofEntries(
            Map.entry("bye", Layout.NO_DATA),
            Map.entry("next-test", Layout.NO_DATA),
            Map.entry("stop-on-next-test", Layout.NO_DATA),
            Map.entry("console-info-log", Layout.ONE_STRING),
            Map.entry("console-debug-log", Layout.ONE_STRING),
            Map.entry("console-warning-log", Layout.ONE_STRING),
            Map.entry("console-error-log", Layout.ERROR),
            Map.entry("jvm-exit-error", Layout.ERROR),
            Map.entry("std-out-stream", Layout.OUTPUT),
            Map.entry("std-out-stream-new-line", Layout.OUTPUT),
            Map.entry("std-err-stream", Layout.OUTPUT),
            Map.entry("std-err-stream-new-line", Layout.OUTPUT),
            Map.entry("sys-prop", Layout.PROPERTY),
            Map.entry("testset-starting", Layout.TEST_EVENT),
            Map.entry("testset-completed", Layout.TEST_EVENT),
            Map.entry("test-starting", Layout.TEST_EVENT),
            Map.entry("test-succeeded", Layout.TEST_EVENT),
            Map.entry("test-failed", Layout.TEST_EVENT),
            Map.entry("test-skipped", Layout.TEST_EVENT),
            Map.entry("test-error", Layout.TEST_EVENT),
            Map.entry("test-assumption-failure", Layout.TEST_EVENT));

    /** The first Surefire whose output events carry a second string, the caller's stack. */
    static final String STACK_IN_OUTPUT_EVENTS = "3.6.0-M1";

    private final Receiver receiver;
    /** Strings in an output event: 1 or 2, or 0 for "1 and maybe a second" (version unknown). */
    private final int outputStrings;
    private byte[] pending = new byte[8192];
    private int start;
    private int end;
    private boolean unknownFrames;
    /** Whether the stream is ending: nothing more will come to complete a frame. */
    private boolean finishing;
    /** The run mode of the last frame that carried one ("normal-run" until then). */
    private volatile byte[] runMode = "normal-run".getBytes(StandardCharsets.US_ASCII);

    /**
     * @param surefireVersion the fork's surefire-booter version, which decides the
     *                        layout of output events; null if unknown
     */
    public FrameSplitter(Receiver receiver, String surefireVersion) {
        this.receiver = receiver;
        this.outputStrings = outputStrings(surefireVersion);
    }

    /** How many strings an output event of {@code surefireVersion} has: 1, 2, or 0 if unknown. */
    static int outputStrings(String surefireVersion) {
        if (surefireVersion == null) {
            return 0;
        }
        return SurefireFork.compareVersions(surefireVersion, STACK_IN_OUTPUT_EVENTS) >= 0 ? 2 : 1;
    }

    /** The next bytes of the stream. */
    public void write(byte[] bytes, int offset, int length) throws IOException {
        if (length == 0) {
            return;
        }
        if (start == end) {
            start = 0;
            end = 0;
        }
        if (end + length > pending.length) {
            int live = end - start;
            if (live + length <= pending.length && start > 0) {
                System.arraycopy(pending, start, pending, 0, live);
            } else {
                byte[] grown = new byte[Math.max(pending.length * 2, live + length)];
                System.arraycopy(pending, start, grown, 0, live);
                pending = grown;
            }
            start = 0;
            end = live;
        }
        System.arraycopy(bytes, offset, pending, end, length);
        end += length;
        split(false);
    }

    /** The end of the stream: whatever waits for more bytes to decide is output. */
    public void finish() throws IOException {
        split(true);
        if (pending.length > (1 << 20)) {
            pending = new byte[8192];
        }
    }

    /** The opcode of a frame that {@link Receiver#frame} was given, such as {@code test-succeeded}. */
    public static String opcode(byte[] frame, int offset) {
        int at = offset + MAGIC.length;
        return new String(frame, at + 2, frame[at] & 0xFF, StandardCharsets.US_ASCII);
    }

    /** Whether a frame with an opcode this class does not know went by. */
    public boolean sawUnknownFrames() {
        return unknownFrames;
    }

    /** The run mode ({@code normal-run}, {@code rerun-test-after-failure}) of the last frame that had one. */
    public byte[] runMode() {
        return runMode.clone();
    }

    private void split(boolean atEnd) throws IOException {
        finishing = atEnd;
        int textFrom = start;
        int at = start;
        while (at < end) {
            int colon = indexOf(pending, (byte) ':', at, end);
            if (colon < 0) {
                at = end;
                break;
            }
            at = colon;
            int n = frameLength(at);
            if (n > 0) {
                if (at > textFrom) {
                    receiver.text(pending, textFrom, at - textFrom);
                }
                receiver.frame(pending, at, n);
                at += n;
                textFrom = at;
            } else if (n == NEED_MORE && !atEnd) {
                break;
            } else {
                at++;
            }
        }
        if (at > textFrom) {
            receiver.text(pending, textFrom, at - textFrom);
        }
        start = at;
        if (atEnd && start < end) {
            receiver.text(pending, start, end - start);
            start = end;
        }
    }

    /** The length of the frame at {@code p}, or {@link #NEED_MORE}, or {@link #NOT_A_FRAME}. */
    private int frameLength(int p) {
        int i = p;
        for (byte m : MAGIC) {
            if (i >= end) {
                return NEED_MORE;
            }
            if (pending[i++] != m) {
                return NOT_A_FRAME;
            }
        }
        if (i + 2 > end) {
            return NEED_MORE;
        }
        int opLength = pending[i] & 0xFF;
        if (pending[i + 1] != ':') {
            return NOT_A_FRAME;
        }
        i += 2;
        if (i + opLength + 1 > end) {
            return NEED_MORE;
        }
        if (pending[i + opLength] != ':') {
            return NOT_A_FRAME;
        }
        String opcode = new String(pending, i, opLength, StandardCharsets.US_ASCII);
        i += opLength + 1;
        Layout layout = LAYOUTS.get(opcode);
        if (layout == null) {
            unknownFrames = true;
            int next = indexOf(pending, MAGIC, i, end);
            return (next < 0 ? end : next) - p;
        }
        int[] runModeAt = new int[2];
        switch (layout) {
            case NO_DATA:
                break;
            case ONE_STRING:
                i = strings(shortField(i), 1);
                break;
            case ERROR:
                i = strings(shortField(i), 3);
                break;
            case OUTPUT:
                i = strings(shortField(testRunId(runMode(i, runModeAt))), outputStrings == 2 ? 2 : 1);
                if (outputStrings == 0 && i >= 0) {
                    i = optionalString(i);
                }
                break;
            case PROPERTY:
                i = strings(shortField(testRunId(runMode(i, runModeAt))), 2);
                break;
            case TEST_EVENT:
                i = testEventTail(shortField(testRunId(runMode(i, runModeAt))));
                break;
            default:
                throw new AssertionError(layout);
        }
        if (i < 0) {
            return i;
        }
        if (runModeAt[1] > 0) {
            runMode = Arrays.copyOfRange(pending, runModeAt[0], runModeAt[0] + runModeAt[1]);
        }
        return i - p;
    }

    private int runMode(int i, int[] where) {
        int after = shortField(i);
        if (after >= 0) {
            where[0] = i + 2;
            where[1] = pending[i] & 0xFF;
        }
        return after;
    }

    /** A length byte, ':', that many bytes, ':' (run mode, charset). */
    private int shortField(int i) {
        if (i < 0) {
            return i;
        }
        if (i + 2 > end) {
            return NEED_MORE;
        }
        int n = pending[i] & 0xFF;
        if (pending[i + 1] != ':') {
            return NOT_A_FRAME;
        }
        i += 2;
        if (i + n + 1 > end) {
            return NEED_MORE;
        }
        return pending[i + n] == ':' ? i + n + 1 : NOT_A_FRAME;
    }

    /** 0x00 ':' or 0x01, 8 bytes, ':'. */
    private int testRunId(int i) {
        if (i < 0) {
            return i;
        }
        if (i >= end) {
            return NEED_MORE;
        }
        int length = pending[i] == 0 ? 2 : pending[i] == 1 ? 10 : -1;
        if (length < 0) {
            return NOT_A_FRAME;
        }
        if (i + length > end) {
            return NEED_MORE;
        }
        return pending[i + length - 1] == ':' ? i + length : NOT_A_FRAME;
    }

    private int strings(int i, int count) {
        for (int k = 0; k < count && i >= 0; k++) {
            i = string(i);
        }
        return i;
    }

    /**
     * A string if one follows, else nothing: what comes after a frame is the next
     * write, another frame (':' makes an impossible length) or output, which would
     * have to start with three zero bytes to pass for a string.
     */
    private int optionalString(int i) {
        int next = string(i);
        if (next == NOT_A_FRAME || (next == NEED_MORE && finishing)) {
            return i;
        }
        return next;
    }

    /** A 4-byte big-endian length, ':', that many bytes, ':'. */
    private int string(int i) {
        if (i < 0) {
            return i;
        }
        if (i + 5 > end) {
            return NEED_MORE;
        }
        int n = ((pending[i] & 0xFF) << 24) | ((pending[i + 1] & 0xFF) << 16) | ((pending[i + 2] & 0xFF) << 8)
                | (pending[i + 3] & 0xFF);
        if (n < 0 || n > MAX_STRING || pending[i + 4] != ':') {
            return NOT_A_FRAME;
        }
        i += 5;
        if ((long) i + n + 1 > end) {
            return NEED_MORE;
        }
        return pending[i + n] == ':' ? i + n + 1 : NOT_A_FRAME;
    }

    /**
     * Strings up to the integer, the integer, three strings. An integer starts with
     * 0xFF (then 4 bytes) or is 0x00 ':' (null); a string starts with the high byte
     * of its length, which is 0x00 for anything under 16 MiB and is followed by
     * ':' only for a string of 3.6 MiB: no report entry field is that long.
     */
    private int testEventTail(int i) {
        for (int strings = 0; i >= 0; strings++) {
            if (strings > MAX_LEADING_STRINGS) {
                return NOT_A_FRAME;
            }
            if (i + 2 > end) {
                return NEED_MORE;
            }
            if (pending[i] == (byte) 0xFF) {
                if (i + 6 > end) {
                    return NEED_MORE;
                }
                if (pending[i + 5] != ':') {
                    return NOT_A_FRAME;
                }
                return strings(i + 6, 3);
            }
            if (pending[i] == 0 && pending[i + 1] == ':') {
                return strings(i + 2, 3);
            }
            i = string(i);
        }
        return i;
    }

    private static int indexOf(byte[] a, byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static int indexOf(byte[] a, byte[] needle, int from, int to) {
        outer:
        for (int i = from; i + needle.length <= to; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (a[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
