package dev.fdcapture.junit.internal;

import org.apache.maven.surefire.api.report.LegacyPojoStackTraceWriter;
import org.apache.maven.surefire.api.report.RunMode;
import org.apache.maven.surefire.api.report.SimpleReportEntry;
import org.apache.maven.surefire.api.report.TestOutputReportEntry;
import org.apache.maven.surefire.api.util.internal.Channels;
import org.apache.maven.surefire.api.util.internal.WritableBufferedByteChannel;
import org.apache.maven.surefire.booter.spi.EventChannelEncoder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Real frames, made by the Surefire fork's own encoder (surefire-booter, the
 * version the fixture builds use), one frame per call.
 */
final class SurefireFrames {
    private SurefireFrames() {
    }

    /** The bytes {@code encode} made the encoder write. */
    static byte[] of(Consumer<EventChannelEncoder> encode) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        WritableBufferedByteChannel channel = Channels.newBufferedChannel(bytes);
        EventChannelEncoder encoder = new EventChannelEncoder(channel);
        encode.accept(encoder);
        try {
            // Output events are buffered; a bye() is written at once and flushes them.
            channel.write(java.nio.ByteBuffer.allocate(0));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return bytes.toByteArray();
    }

    static SimpleReportEntry test(String className, String method) {
        return new SimpleReportEntry(RunMode.NORMAL_RUN, 0x0000_0001_0000_0007L, className, className + " (display)",
                method, method + "() display", (Integer) 12);
    }

    /** One frame of every kind a fork sends, each with its name. */
    static List<Map.Entry<String, byte[]>> everyKind() {
        List<Map.Entry<String, byte[]>> all = new ArrayList<>();
        SimpleReportEntry set = new SimpleReportEntry(RunMode.NORMAL_RUN, 0x0000_0001_0000_0000L, "a.BTest",
                "BTest: display with ünïcödé", null, null, Map.of("user.dir", "/tmp", "java.version", "25"));
        all.add(Map.entry("testset-starting", of(e -> e.testSetStarting(set, true))));
        all.add(Map.entry("test-starting", of(e -> e.testStarting(test("a.BTest", "m"), true))));
        all.add(Map.entry("std-out-stream-new-line", of(e -> e.testOutput(
                new TestOutputReportEntry(TestOutputReportEntry.stdOutln("a line with : colons :"),
                        RunMode.NORMAL_RUN, 7L)))));
        all.add(Map.entry("std-out-stream", of(e -> e.testOutput(
                new TestOutputReportEntry(TestOutputReportEntry.stdOut("no newline"), RunMode.NORMAL_RUN, null)))));
        all.add(Map.entry("std-err-stream-new-line", of(e -> e.testOutput(new TestOutputReportEntry(
                TestOutputReportEntry.stdErrln(""), RunMode.RERUN_TEST_AFTER_FAILURE, 7L)))));
        Throwable failure = new AssertionError("expected: <1> but was: <2>");
        all.add(Map.entry("test-failed", of(e -> e.testFailed(SimpleReportEntry.withException(RunMode.NORMAL_RUN,
                7L, "a.BTest", null, "m", null, new LegacyPojoStackTraceWriter("a.BTest", "m", failure)), false))));
        all.add(Map.entry("test-succeeded", of(e -> e.testSucceeded(test("a.BTest", "n"), true))));
        all.add(Map.entry("console-info-log", of(e -> e.consoleInfoLog("info: from the fork"))));
        all.add(Map.entry("console-warning-log", of(e -> e.consoleWarningLog("warning"))));
        all.add(Map.entry("console-debug-log", of(e -> e.consoleDebugLog("debug"))));
        all.add(Map.entry("console-error-log", of(e -> e.consoleErrorLog("error", new IllegalStateException("x")))));
        all.add(Map.entry("sys-prop + testset-completed", of(e -> e.testSetCompleted(set, true))));
        all.add(Map.entry("next-test", of(EventChannelEncoder::acquireNextTest)));
        all.add(Map.entry("bye", of(EventChannelEncoder::bye)));
        return all;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
