package dev.fdcapture.slf4j;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Native output through SLF4J into real backends, each in a JVM of its own (a
 * backend configures itself once per JVM): the events carry the stream, and a
 * console appender writing to the very fd being captured does not loop.
 */
@Timeout(120)
class Slf4jSinkTest {
    private static final String LOGBACK = "ch.qos.logback.classic.spi.LogbackServiceProvider";
    private static final String LOG4J = "org.apache.logging.slf4j.SLF4JServiceProvider";

    private record Result(int exit, String stdout, String stderr) {
    }

    private static Result run(List<String> jvmArgs, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Slf4jChild.class.getName());
        command.addAll(List.of(args));
        // For reproducing a failure by hand.
        Files.writeString(Path.of("target", "last-child-command.txt"), String.join(" ", command));
        Path out = Files.createTempFile("slf4j-child", ".out");
        Path err = Files.createTempFile("slf4j-child", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("child JVM hung: " + Files.readString(out) + Files.readString(err));
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static int count(String haystack, String needle) {
        int n = 0;
        for (int at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
            n++;
        }
        return n;
    }

    private static void assertOnce(String log, String line) {
        assertEquals(1, count(log, line), () -> "expected once: " + line + "\n--- log ---\n" + log);
    }

    @Test
    void logback_console_appender_gets_each_native_and_child_line_once_with_its_stream() throws Exception {
        Result r = run(List.of("-Dslf4j.provider=" + LOGBACK, "-Dlogback.configurationFile=logback-console.xml"),
                "console", "BYPASS");
        assertEquals(0, r.exit(), r.stderr());
        String log = r.stdout();
        assertOnce(log, "[stdout] INFO native - native out line native.stream=\"stdout\"");
        assertOnce(log, "[stderr] WARN native - native err line native.stream=\"stderr\"");
        assertOnce(log, "[stdout] INFO native - child out line");
        assertOnce(log, "[stderr] WARN native - child err line");
        assertOnce(log, "[stdout] INFO native - braces {} stay");
        assertOnce(log, "finished");
        assertFalse(r.stderr().contains(" line"), () -> "a native line escaped to the real stderr: " + r.stderr());
    }

    @Test
    void log4j2_console_appender_holding_the_original_system_out_gets_each_line_once() throws Exception {
        Result r = run(List.of("-Dslf4j.provider=" + LOG4J, "-Dlog4j2.configurationFile=log4j2-console.xml"),
                "console", "CAPTURE");
        assertEquals(0, r.exit(), r.stderr());
        String log = r.stdout();
        assertOnce(log, "[stdout] INFO native - native out line");
        assertOnce(log, "[stderr] WARN native - native err line");
        assertOnce(log, "[stdout] INFO native - child out line");
        assertOnce(log, "[stderr] WARN native - child err line");
        assertOnce(log, "[stdout] INFO native - braces {} stay");
        assertOnce(log, "finished");
    }

    @Test
    void install_delivers_everything_written_before_system_exit(@TempDir Path dir) throws Exception {
        Path logFile = dir.resolve("native.log");
        int lines = 1000;
        Result r = run(List.of("-Dslf4j.provider=" + LOGBACK, "-Dlogback.configurationFile=logback-file.xml",
                "-Dlog.file=" + logFile), "exit", Integer.toString(lines));
        assertEquals(0, r.exit(), r.stderr());
        List<String> log = Files.readAllLines(logFile, StandardCharsets.UTF_8);
        for (int i = 0; i < lines; i++) {
            assertTrue(log.contains("[stdout] INFO native.stdout - buffered line " + i), "missing buffered line " + i);
            assertTrue(log.contains("[stderr] WARN native.stderr - direct line " + i), "missing direct line " + i);
        }
        assertEquals(2 * lines, log.size());
        assertEquals("", r.stdout(), "nothing escaped to the real stdout");
    }

    /**
     * Issue 7 point 8: with a logger that writes nowhere near a captured fd (a
     * plain file appender), native lines written while a logger call runs used to
     * go to the terminal whenever they carried the logged line's text. Nothing is
     * diverted now, and repeated identical lines from several threads all reach the log.
     */
    @ParameterizedTest(name = "tagged lines: {0}")
    @ValueSource(booleans = {false, true})
    void a_file_appender_gets_every_repeated_native_line_and_the_terminal_none(boolean tagged, @TempDir Path dir)
            throws Exception {
        Path logFile = dir.resolve("native.log");
        int threads = 4;
        int lines = 500;
        Result r = run(List.of("-Dslf4j.provider=" + LOGBACK, "-Dlogback.configurationFile=logback-file.xml",
                "-Dlog.file=" + logFile), "repeat", Boolean.toString(tagged), Integer.toString(threads),
                Integer.toString(lines));
        assertEquals(0, r.exit(), r.stderr());
        List<String> log = Files.readAllLines(logFile, StandardCharsets.UTF_8);
        for (int t = 0; t < threads; t++) {
            String expected = "[stdout] INFO native.stdout - " + (tagged ? "[t" + t + "] " : "") + "frame dropped";
            assertEquals(tagged ? lines : threads * lines, log.stream().filter(expected::equals).count(),
                    "lines in the log like: " + expected + "; terminal got:\n" + r.stdout());
            if (!tagged) {
                break;
            }
        }
        assertEquals(threads * lines, log.size());
        assertEquals("", r.stdout(), "native lines diverted to the terminal");
    }

    /**
     * Issue 7 point 8, the other side: a console appender that holds the original
     * System.out (log4j2's default) writes into the very fd being captured; with
     * repeated identical native lines from several threads arriving during its
     * calls, each line is logged once, and its echo never loops back.
     */
    @ParameterizedTest(name = "tagged lines: {0}")
    @ValueSource(booleans = {false, true})
    void a_console_appender_holding_the_original_stream_logs_each_repeated_line_once_and_never_loops(boolean tagged)
            throws Exception {
        int threads = 4;
        int lines = 500;
        Result r = run(List.of("-Dslf4j.provider=" + LOG4J, "-Dlog4j2.configurationFile=log4j2-console.xml"),
                "repeat", Boolean.toString(tagged), Integer.toString(threads), Integer.toString(lines));
        assertEquals(0, r.exit(), r.stderr());
        String[] out = r.stdout().split("\n");
        long logged = 0;
        for (String line : out) {
            if (line.matches("\\[stdout] INFO native\\.stdout - " + (tagged ? "\\[t\\d] " : "") + "frame dropped")) {
                logged++;
            } else if (line.contains("frame dropped")) {
                org.junit.jupiter.api.Assertions.fail("not one record per native line (a loop, or a raw line): "
                        + line + "\n--- stdout ---\n" + r.stdout());
            }
        }
        assertEquals(threads * lines, logged, r.stdout());
    }

    @Test
    void nulls_are_refused_with_the_parameter_name() {
        assertEquals("logger", assertThrows(NullPointerException.class,
                () -> Slf4jSink.of(null, Level.INFO)).getMessage());
        assertEquals("level", assertThrows(NullPointerException.class,
                () -> Slf4jSink.of(LoggerFactory.getLogger("x"), null)).getMessage());
    }
}
