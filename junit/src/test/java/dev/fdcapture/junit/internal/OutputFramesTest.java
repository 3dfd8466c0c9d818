package dev.fdcapture.junit.internal;

import org.apache.maven.surefire.api.report.RunMode;
import org.apache.maven.surefire.api.report.TestOutputReportEntry;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The run-wide mode's output events are the very bytes Surefire's own encoder
 * writes for the same text, so Maven's decoder reads them as its own.
 */
class OutputFramesTest {
    private static final byte[] NORMAL = "normal-run".getBytes(StandardCharsets.US_ASCII);

    private static byte[] surefire(org.apache.maven.surefire.api.report.OutputReportEntry entry, RunMode mode) {
        return SurefireFrames.of(e -> e.testOutput(new TestOutputReportEntry(entry, mode, null)));
    }

    private static byte[] ours(boolean stdout, String text, byte[] runMode) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OutputFrames f = new OutputFrames(stdout, "3.5.2", out);
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        f.write(b, 0, b.length, runMode);
        f.finish(runMode);
        return out.toByteArray();
    }

    @Test
    void a_line_is_the_event_surefire_writes_for_println() throws Exception {
        assertArrayEquals(surefire(TestOutputReportEntry.stdOutln("native line, ünïcödé"), RunMode.NORMAL_RUN),
                ours(true, "native line, ünïcödé\n", NORMAL));
        assertArrayEquals(surefire(TestOutputReportEntry.stdErrln(""), RunMode.NORMAL_RUN), ours(false, "\n", NORMAL));
    }

    @Test
    void text_without_a_newline_is_the_event_surefire_writes_for_print() throws Exception {
        assertArrayEquals(surefire(TestOutputReportEntry.stdOut("progress 50%"), RunMode.NORMAL_RUN),
                ours(true, "progress 50%", NORMAL));
    }

    @Test
    void the_run_mode_given_is_the_run_mode_written() throws Exception {
        byte[] rerun = "rerun-test-after-failure".getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(surefire(TestOutputReportEntry.stdErrln("again"), RunMode.RERUN_TEST_AFTER_FAILURE),
                ours(false, "again\n", rerun));
    }

    @Test
    void a_character_cut_between_two_chunks_waits_for_its_last_byte() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OutputFrames f = new OutputFrames(true, "3.5.2", out);
        byte[] b = "a€b\n".getBytes(StandardCharsets.UTF_8); // € is 3 bytes: cut after its first
        f.write(b, 0, 2, NORMAL);
        f.write(b, 2, b.length - 2, NORMAL);
        f.finish(NORMAL);
        List<String> texts = texts(out.toByteArray());
        assertEquals(List.of("a", "€b"), texts);
    }

    @Test
    void frames_of_surefire_3_6_carry_the_empty_stack_as_well() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new OutputFrames(true, "3.6.0", out).write(new byte[] {'x', '\n'}, 0, 2, NORMAL);
        byte[] frame = out.toByteArray();
        byte[] tail = {0, 0, 0, 1, ':', 'x', ':', 0, 0, 0, 1, ':', 0, ':'};
        assertArrayEquals(tail, java.util.Arrays.copyOfRange(frame, frame.length - tail.length, frame.length));
        // and the splitter, told the version, takes it for one frame
        List<byte[]> frames = new ArrayList<>();
        FrameSplitter s = new FrameSplitter(new FrameSplitter.Receiver() {
            @Override
            public void text(byte[] bytes, int offset, int length) {
                throw new AssertionError("text " + new String(bytes, offset, length, StandardCharsets.UTF_8));
            }

            @Override
            public void frame(byte[] bytes, int offset, int length) {
                frames.add(java.util.Arrays.copyOfRange(bytes, offset, offset + length));
            }
        }, "3.6.0");
        s.write(frame, 0, frame.length);
        s.finish();
        assertEquals(1, frames.size());
    }

    /** The text of each event, read back by the splitter's grammar. */
    private static List<String> texts(byte[] stream) throws Exception {
        List<String> texts = new ArrayList<>();
        FrameSplitter s = new FrameSplitter(new FrameSplitter.Receiver() {
            @Override
            public void text(byte[] bytes, int offset, int length) {
                throw new AssertionError("not a frame: " + new String(bytes, offset, length, StandardCharsets.UTF_8));
            }

            @Override
            public void frame(byte[] bytes, int offset, int length) {
                // the text is the last string: 4-byte length, ':', bytes, ':'
                int end = offset + length - 1;
                int start = end;
                while (start > offset && !(bytes[start - 1] == ':' && bytes[start - 6] == ':')) {
                    start--;
                }
                texts.add(new String(bytes, start, end - start, StandardCharsets.UTF_8));
            }
        }, "3.5.2");
        s.write(stream, 0, stream.length);
        s.finish();
        return texts;
    }
}
