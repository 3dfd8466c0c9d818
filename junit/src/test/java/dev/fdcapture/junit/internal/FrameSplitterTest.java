package dev.fdcapture.junit.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The frame splitter on real Surefire frames mixed with output, cut into chunks
 * at every possible place (Okio's trick): frames come out whole and untouched,
 * output comes out byte for byte, both in order.
 */
class FrameSplitterTest {

    /** What the splitter handed on, in order: frames as themselves, text run together. */
    private static final class Collected implements FrameSplitter.Receiver {
        final ByteArrayOutputStream text = new ByteArrayOutputStream();
        final List<byte[]> frames = new ArrayList<>();
        final ByteArrayOutputStream order = new ByteArrayOutputStream();

        @Override
        public void text(byte[] bytes, int offset, int length) {
            text.write(bytes, offset, length);
            order.write(bytes, offset, length);
        }

        @Override
        public void frame(byte[] bytes, int offset, int length) {
            byte[] f = java.util.Arrays.copyOfRange(bytes, offset, offset + length);
            frames.add(f);
            order.write(f, 0, f.length);
        }
    }

    private static Collected split(byte[] stream, int[] cuts, String version) throws Exception {
        Collected c = new Collected();
        FrameSplitter s = new FrameSplitter(c, version);
        int from = 0;
        for (int cut : cuts) {
            s.write(stream, from, cut - from);
            from = cut;
        }
        s.write(stream, from, stream.length - from);
        s.finish();
        return c;
    }

    /** Output, a frame of each kind, output between each, in one stream; and the parts. */
    private static byte[] mixed(List<byte[]> frames, ByteArrayOutputStream expectedText) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        String[] texts = {"native line\n", "", "time: 12:30 :maven: not a frame\n", ":", "ü€𝄞 split me\n",
            ":maven-surefire-event:", "\u0000\u0000\u0000"};
        for (int i = 0; i < frames.size(); i++) {
            byte[] t = texts[i % texts.length].getBytes(StandardCharsets.UTF_8);
            all.write(t, 0, t.length);
            expectedText.write(t, 0, t.length);
            all.write(frames.get(i), 0, frames.get(i).length);
        }
        byte[] tail = "last line without newline".getBytes(StandardCharsets.UTF_8);
        all.write(tail, 0, tail.length);
        expectedText.write(tail, 0, tail.length);
        return all.toByteArray();
    }

    @Test
    void every_kind_of_frame_surefire_sends_is_recognised_whole() throws Exception {
        for (Map.Entry<String, byte[]> kind : SurefireFrames.everyKind()) {
            Collected c = split(kind.getValue(), new int[0], "3.5.2");
            assertEquals(0, c.text.size(), kind.getKey() + " left text: " + c.text);
            assertArrayEquals(kind.getValue(), c.order.toByteArray(), kind.getKey());
        }
    }

    @Test
    void frames_and_output_come_apart_exactly_wherever_the_stream_is_cut() throws Exception {
        List<byte[]> frames = new ArrayList<>();
        for (Map.Entry<String, byte[]> kind : SurefireFrames.everyKind()) {
            frames.add(kind.getValue());
        }
        ByteArrayOutputStream expectedText = new ByteArrayOutputStream();
        byte[] stream = mixed(frames, expectedText);
        for (int cut = 0; cut <= stream.length; cut++) {
            Collected c = split(stream, new int[] {cut}, "3.5.2");
            assertArrayEquals(expectedText.toByteArray(), c.text.toByteArray(), "cut at " + cut);
            assertArrayEquals(stream, c.order.toByteArray(), "order, cut at " + cut);
            assertEquals(countFrames(frames), c.frames.size(), "cut at " + cut);
        }
    }

    @Test
    void one_byte_at_a_time_and_random_chunks_give_the_same_result() throws Exception {
        List<byte[]> frames = new ArrayList<>();
        for (Map.Entry<String, byte[]> kind : SurefireFrames.everyKind()) {
            frames.add(kind.getValue());
        }
        ByteArrayOutputStream expectedText = new ByteArrayOutputStream();
        byte[] stream = mixed(frames, expectedText);
        int[] everyByte = new int[stream.length - 1];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = i + 1;
        }
        Collected bytewise = split(stream, everyByte, "3.5.2");
        assertArrayEquals(expectedText.toByteArray(), bytewise.text.toByteArray());
        assertArrayEquals(stream, bytewise.order.toByteArray());
        Random random = new Random(9);
        for (int round = 0; round < 200; round++) {
            int[] cuts = random.ints(6, 0, stream.length + 1).sorted().toArray();
            Collected c = split(stream, cuts, "3.5.2");
            assertArrayEquals(expectedText.toByteArray(), c.text.toByteArray());
            assertArrayEquals(stream, c.order.toByteArray());
        }
    }

    /** testset-completed comes with sys-prop frames: count what the encoder wrote. */
    private static int countFrames(List<byte[]> frames) throws Exception {
        int n = 0;
        for (byte[] f : frames) {
            n += split(f, new int[0], "3.5.2").frames.size();
        }
        return n;
    }

    @Test
    void the_layouts_of_surefire_3_6_output_events_with_a_stack_and_test_events_with_seven_strings_are_read()
            throws Exception {
        // std-out-stream-new-line as 3.6.0-M1 and later write it: the text, then the caller's stack.
        byte[] output = frame("std-out-stream-new-line", new byte[][] {runModeAndId(), charset(),
            string("hello"), string("\u0000")});
        // test-succeeded with sourceQualifiedName (7 strings before the elapsed time), as in 3.6.0.
        byte[][] fields = new byte[13][];
        fields[0] = runModeAndId();
        fields[1] = charset();
        for (int i = 0; i < 7; i++) {
            fields[2 + i] = string("field" + i);
        }
        fields[9] = new byte[] {(byte) 0xFF, 0, 0, 0, 42, ':'};
        for (int i = 0; i < 3; i++) {
            fields[10 + i] = string("\u0000");
        }
        byte[] testEvent = frame("test-succeeded", fields);
        for (String version : new String[] {"3.6.0", null}) {
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            stream.write(output);
            stream.write(SurefireFrames.ascii("text between\n"));
            stream.write(testEvent);
            stream.write(output);
            Collected c = split(stream.toByteArray(), new int[0], version);
            assertEquals("text between\n", c.text.toString(StandardCharsets.UTF_8), "version " + version);
            assertEquals(3, c.frames.size(), "version " + version);
        }
    }

    @Test
    void an_output_event_of_a_surefire_of_unknown_version_ends_right_after_its_text_when_nothing_else_follows()
            throws Exception {
        byte[] withoutStack = SurefireFrames.of(e -> e.testOutput(new org.apache.maven.surefire.api.report
                .TestOutputReportEntry(org.apache.maven.surefire.api.report.TestOutputReportEntry.stdOutln("x"),
                org.apache.maven.surefire.api.report.RunMode.NORMAL_RUN, 1L)));
        Collected c = split(withoutStack, new int[0], null);
        assertEquals(1, c.frames.size());
        assertEquals(0, c.text.size());
    }

    @ParameterizedTest
    @ValueSource(strings = {":maven-surefire-event:\u0004:bye", ":maven-surefire-event:\u0003;bye:",
        ":maven-surefire-event:\u000e:std-out-stream:\u0003:abc:", ":maven-surefire-event:x:",
        ":maven-surefire-event:\u0010:console-info-log:\u0005:UTF-8:\u0000\u0000\u0000\u0009:short:"})
    void bytes_that_start_like_a_frame_but_are_not_one_are_output(String notAFrame) throws Exception {
        byte[] bytes = (notAFrame + "\nmore output\n").getBytes(StandardCharsets.ISO_8859_1);
        Collected c = split(bytes, new int[0], "3.5.2");
        assertEquals(0, c.frames.size(), "frames: " + c.frames.size());
        assertArrayEquals(bytes, c.text.toByteArray());
    }

    @Test
    void a_frame_cut_off_at_the_very_end_of_the_stream_is_output_not_lost() throws Exception {
        byte[] whole = SurefireFrames.of(e -> e.consoleInfoLog("never finished"));
        byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 3);
        Collected c = split(cut, new int[0], "3.5.2");
        assertEquals(0, c.frames.size());
        assertArrayEquals(cut, c.text.toByteArray());
    }

    @Test
    void a_frame_of_a_kind_surefire_may_add_later_is_passed_on_up_to_the_next_frame_and_reported() throws Exception {
        byte[] bye = SurefireFrames.of(org.apache.maven.surefire.booter.spi.EventChannelEncoder::bye);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.write(SurefireFrames.ascii(":maven-surefire-event:\u000b:new-feature:\u0001\u0002\u0003:"));
        stream.write(bye);
        stream.write(SurefireFrames.ascii("after\n"));
        Collected c = new Collected();
        FrameSplitter s = new FrameSplitter(c, "3.5.2");
        byte[] b = stream.toByteArray();
        s.write(b, 0, b.length);
        s.finish();
        assertTrue(s.sawUnknownFrames());
        assertEquals(2, c.frames.size());
        assertArrayEquals(bye, c.frames.get(1));
        assertEquals("after\n", c.text.toString(StandardCharsets.UTF_8));
    }

    @Test
    void the_run_mode_of_the_last_test_event_is_remembered_for_output_made_in_its_place() throws Exception {
        Collected c = new Collected();
        FrameSplitter s = new FrameSplitter(c, "3.5.2");
        assertEquals("normal-run", new String(s.runMode(), StandardCharsets.US_ASCII));
        byte[] rerun = SurefireFrames.of(e -> e.testStarting(new org.apache.maven.surefire.api.report
                .SimpleReportEntry(org.apache.maven.surefire.api.report.RunMode.RERUN_TEST_AFTER_FAILURE, 3L,
                "a.B", null, "m", null), true));
        s.write(rerun, 0, rerun.length);
        assertEquals("rerun-test-after-failure", new String(s.runMode(), StandardCharsets.US_ASCII));
        assertEquals("test-starting", FrameSplitter.opcode(c.frames.get(0), 0));
        assertFalse(s.sawUnknownFrames());
    }

    // Hand-made frames in the layout of Surefire's EventDecoder.

    private static byte[] frame(String opcode, byte[][] fields) throws Exception {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(SurefireFrames.ascii(":maven-surefire-event:"));
        f.write(opcode.length());
        f.write(':');
        f.write(SurefireFrames.ascii(opcode));
        f.write(':');
        for (byte[] field : fields) {
            f.write(field);
        }
        return f.toByteArray();
    }

    private static byte[] runModeAndId() throws Exception {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(10);
        f.write(':');
        f.write(SurefireFrames.ascii("normal-run"));
        f.write(':');
        f.write(new byte[] {1, 0, 0, 0, 1, 0, 0, 0, 2, ':'});
        return f.toByteArray();
    }

    private static byte[] charset() {
        return new byte[] {5, ':', 'U', 'T', 'F', '-', '8', ':'};
    }

    private static byte[] string(String s) throws Exception {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(new byte[] {(byte) (b.length >>> 24), (byte) (b.length >>> 16), (byte) (b.length >>> 8),
            (byte) b.length, ':'});
        f.write(b);
        f.write(':');
        return f.toByteArray();
    }
}
