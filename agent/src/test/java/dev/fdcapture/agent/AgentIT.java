package dev.fdcapture.agent;

import dev.fdcapture.agent.AgentJvm.Lib;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent's "what must hold" list, each point in child JVMs that run the real
 * agent jar on {@link fixture.NativeApp}, an application without fdcapture code
 * whose native code (libc through JNA, a {@code sh} child) prints to both fds.
 */
@Timeout(300)
class AgentIT {
    /** The lines NativeApp writes with {@code lines=3 child}, by stream. */
    static final List<String> OUT = List.of("native out 1", "native out 2", "native out 3", "child out");
    static final List<String> ERR = List.of("native err 1", "native err 2", "native err 3", "child err");

    private static Path dir(String name) throws IOException {
        Path base = Path.of(System.getProperty("agent.workdir", "target/it"));
        Files.createDirectories(base);
        return Files.createTempDirectory(base, name + "-");
    }

    private static String resource(String name) {
        return Path.of("src", "test", "resources", name).toAbsolutePath().toString();
    }

    static int count(String haystack, String needle) {
        int n = 0;
        for (int at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
            n++;
        }
        return n;
    }

    static void assertOnce(String text, String expected, Object context) {
        assertEquals(1, count(text, expected), () -> "expected exactly once: " + expected + "\n--- in ---\n" + text
                + "\n--- child ---\n" + context);
    }

    /** Nothing native reached the real fd 1 or fd 2: it all went where the agent sent it. */
    static void assertNothingNativeOnRealFds(AgentJvm.Result r) {
        for (String line : OUT) {
            assertFalse(r.stdout().contains(line) || r.stderr().contains(line), () -> line + " escaped\n" + r);
        }
        for (String line : ERR) {
            assertFalse(r.stdout().contains(line) || r.stderr().contains(line), () -> line + " escaped\n" + r);
        }
    }

    static String read(Path file, AgentJvm.Result r) throws IOException {
        assertTrue(Files.isRegularFile(file), () -> "no log file " + file + "\n" + r);
        return Files.readString(file);
    }

    @Nested
    class Point_1_logback_file_appender {
        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"exit", "return", "exit", "exit", "exit"})
        void every_native_line_is_in_the_log_file_with_level_logger_and_stream_and_none_on_the_real_fds(String end)
                throws Exception {
            Path dir = dir("logback");
            Path log = dir.resolve("app.log");
            AgentJvm j = AgentJvm.with(Lib.JNA, Lib.SLF4J, Lib.LOGBACK)
                    .jvm("-Dlogback.configurationFile=" + resource("logback-file.xml"), "-Dlog.file=" + log)
                    .args("lines=3", "child", "java-print");
            if (end.equals("exit")) {
                j.args("exit");
            }
            AgentJvm.Result r = j.run(dir);
            assertEquals(0, r.exit(), r::toString);
            String text = read(log, r);
            for (String line : OUT) {
                assertOnce(text, "INFO|native.stdout|stdout|" + line + "\n", r);
            }
            for (String line : ERR) {
                assertOnce(text, "WARN|native.stderr|stderr|" + line + "\n", r);
            }
            assertNothingNativeOnRealFds(r);
            // Java's own prints are not native output: they go where they went.
            assertOnce(r.stdout(), "java println from main\n", r);
            assertFalse(text.contains("java println"), text);
            assertEquals("", r.stderr(), r::toString);
        }

        @Test
        void levels_and_logger_names_follow_the_options() throws Exception {
            Path dir = dir("logback-options");
            Path log = dir.resolve("app.log");
            AgentJvm.Result r = AgentJvm.with(Lib.JNA, Lib.SLF4J, Lib.LOGBACK)
                    .options("to=slf4j,stdout=warn,stderr=ERROR,logger=com.example.ffmpeg")
                    .jvm("-Dlogback.configurationFile=" + resource("logback-file.xml"), "-Dlog.file=" + log)
                    .args("lines=1", "exit")
                    .run(dir);
            assertEquals(0, r.exit(), r::toString);
            String text = read(log, r);
            assertOnce(text, "WARN|com.example.ffmpeg.stdout|stdout|native out 1\n", r);
            assertOnce(text, "ERROR|com.example.ffmpeg.stderr|stderr|native err 1\n", r);
        }

        @Test
        @EnabledIf("dev.fdcapture.agent.AgentIT#hasJava17")
        void on_java_17_through_jna_too() throws Exception {
            Path dir = dir("logback-17");
            Path log = dir.resolve("app.log");
            AgentJvm.Result r = AgentJvm.with(Lib.JNA, Lib.SLF4J, Lib.LOGBACK)
                    .java(AgentJvm.java17())
                    .withoutNativeAccess()
                    .jvm("-Dlogback.configurationFile=" + resource("logback-file.xml"), "-Dlog.file=" + log)
                    .args("lines=3", "child", "exit")
                    .run(dir);
            assertEquals(0, r.exit(), r::toString);
            String text = read(log, r);
            for (String line : OUT) {
                assertOnce(text, "INFO|native.stdout|stdout|" + line + "\n", r);
            }
            for (String line : ERR) {
                assertOnce(text, "WARN|native.stderr|stderr|" + line + "\n", r);
            }
            assertNothingNativeOnRealFds(r);
        }
    }

    static boolean hasJava17() {
        return AgentJvm.java17() != null;
    }

    /** A JUL configuration with one FileHandler on the root logger and nothing else. */
    static Path julFileConfig(Path dir, Path log) throws IOException {
        Path config = dir.resolve("logging.properties");
        Files.writeString(config, "handlers=java.util.logging.FileHandler\n"
                + "java.util.logging.FileHandler.pattern=" + log + "\n"
                + "java.util.logging.FileHandler.formatter=java.util.logging.SimpleFormatter\n"
                + "java.util.logging.SimpleFormatter.format=%4$s|%3$s|%5$s%n\n");
        return config;
    }

    @Nested
    class Point_2_jul_and_system_logger_at_exit {
        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"to=jul", "to=jul", "to=jul", "to=jul", "to=jul",
                "to=system-logger", "to=system-logger", "to=system-logger",
                "to=logs", "to=logs", "to=logs"})
        void a_file_handler_alone_gets_every_line_written_right_before_System_exit(String options) throws Exception {
            // to=logs without SLF4J on the class path is System.Logger, that is JUL.
            assertFileHandlerGetsEveryLineBeforeExit(AgentJvm.with(Lib.JNA), options, "jul");
        }

        /**
         * On Java 17-21 {@code isSupported()} loads JNA, whose first class sets
         * java.util.logging up: the agent's manager must be named before that, or JUL
         * runs with the JDK's and closes its handlers at exit while lines still arrive.
         */
        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"to=jul", "to=jul", "to=system-logger"})
        @EnabledIf("dev.fdcapture.agent.AgentIT#hasJava17")
        void on_java_17_through_jna_a_file_handler_gets_every_line_written_right_before_System_exit(String options)
                throws Exception {
            assertFileHandlerGetsEveryLineBeforeExit(
                    AgentJvm.with(Lib.JNA).java(AgentJvm.java17()).withoutNativeAccess(), options, "jul-17");
        }

        private void assertFileHandlerGetsEveryLineBeforeExit(AgentJvm jvm, String options, String name)
                throws Exception {
            Path dir = dir(name);
            Path log = dir.resolve("jul.log");
            AgentJvm.Result r = jvm.options(options)
                    .jvm("-Djava.util.logging.config.file=" + julFileConfig(dir, log))
                    .args("lines=3", "child", "exit")
                    .run(dir);
            assertEquals(0, r.exit(), r::toString);
            String text = read(log, r);
            for (String line : OUT) {
                assertOnce(text, "INFO|native.stdout|" + line + "\n", r);
            }
            for (String line : ERR) {
                assertOnce(text, "WARNING|native.stderr|" + line + "\n", r);
            }
            assertNothingNativeOnRealFds(r);
            assertEquals("", r.stderr(), r::toString);
            // JUL closed its handler after the drain: FileHandler removes its lock file on close.
            assertFalse(Files.exists(dir.resolve("jul.log.lck")), "FileHandler was never closed");
        }

        /**
         * The JVM's own log on fd 1 ({@code -Xlog}, a line per class loaded) keeps a reader
         * busy from premain to exit, so JUL is first set up by that reader, here while the
         * JVM already shuts down. Its first reset (part of reading the configuration) once
         * waited for the exit drain, which waited for that very reader: exit stalled for
         * the whole stallTimeout, 30 s per fd, and the lines were lost.
         *
         * <p>What this asserts is the stall. That the lines then reach JUL holds in nearly
         * every run but not all: in 1 of about 60 (seen under the load of a full build)
         * JUL, set up by the reader at that very moment, made no handler and the records
         * went nowhere; not understood yet, so not asserted here.
         */
        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"to=jul", "to=jul", "to=system-logger", "to=system-logger"})
        void exit_does_not_wait_for_itself_when_the_jvms_own_xlog_sets_jul_up_during_shutdown(String options)
                throws Exception {
            Path dir = dir("jul-xlog");
            // JUL's default configuration: its ConsoleHandler writes the records to the real stderr.
            AgentJvm.Result r = AgentJvm.with(Lib.JNA).options(options)
                    .jvm("-Xlog:class+load=info:stdout")
                    .args("lines=0", "exit") // no JNA (which sets JUL up), and at once: JUL starts during shutdown
                    .run(dir, Duration.ofSeconds(25));
            assertEquals(0, r.exit(), r::toString);
            assertFalse(r.stderr().contains("stalled"), r::toString);
        }

        @Test
        void the_stream_is_the_records_source_class_name_with_to_jul() throws Exception {
            Path dir = dir("jul-source");
            Path log = dir.resolve("jul.log");
            Path config = dir.resolve("logging.properties");
            Files.writeString(config, "handlers=java.util.logging.FileHandler\n"
                    + "java.util.logging.FileHandler.pattern=" + log + "\n"
                    + "java.util.logging.FileHandler.formatter=java.util.logging.SimpleFormatter\n"
                    + "java.util.logging.SimpleFormatter.format=%2$s|%5$s%n\n");
            AgentJvm.Result r = AgentJvm.with(Lib.JNA).options("to=jul")
                    .jvm("-Djava.util.logging.config.file=" + config)
                    .args("lines=1", "exit").run(dir);
            String text = read(log, r);
            assertOnce(text, "native.stdout|native out 1\n", r);
            assertOnce(text, "native.stderr|native err 1\n", r);
        }

        @Test
        void an_application_that_reconfigures_jul_in_main_still_gets_the_lines_before_exit() throws Exception {
            Path dir = dir("jul-reconfigured");
            Path log = dir.resolve("jul.log");
            AgentJvm.Result r = AgentJvm.with(Lib.JNA).options("to=jul")
                    .args("jul=" + julFileConfig(dir, log), "lines=3", "child", "exit").run(dir);
            assertEquals(0, r.exit(), r::toString);
            String text = read(log, r);
            for (String line : ERR) {
                assertOnce(text, "WARNING|native.stderr|" + line + "\n", r);
            }
            for (String line : OUT) {
                assertOnce(text, "INFO|native.stdout|" + line + "\n", r);
            }
        }

        @Test
        void an_application_with_its_own_log_manager_is_told_once_that_exit_lines_may_be_lost() throws Exception {
            Path dir = dir("jul-own-manager");
            Path log = dir.resolve("jul.log");
            AgentJvm.Result r = AgentJvm.with(Lib.JNA).options("to=jul")
                    .jvm("-Djava.util.logging.manager=java.util.logging.LogManager",
                            "-Djava.util.logging.config.file=" + julFileConfig(dir, log))
                    .args("lines=1").run(dir);
            assertEquals(0, r.exit(), r::toString);
            assertOnce(r.stderr(), "fdcapture agent: java.util.logging runs with"
                    + " -Djava.util.logging.manager=java.util.logging.LogManager, not the agent's manager", r);
            assertEquals(1, r.stderr().lines().count(), r::toString);
        }
    }

    @Nested
    class Point_3_logging_configured_after_premain {
        @Test
        void lines_follow_the_configuration_main_installs() throws Exception {
            Path dir = dir("reconfigured");
            Path first = dir.resolve("first.log");
            Path last = dir.resolve("final.log");
            AgentJvm.Result r = AgentJvm.with(Lib.JNA, Lib.SLF4J, Lib.LOGBACK)
                    .jvm("-Dlogback.configurationFile=" + resource("logback-file.xml"), "-Dlog.file=" + first,
                            "-Dfinal.file=" + last)
                    .args("logback=" + resource("logback-final.xml"), "lines=3", "child", "exit")
                    .run(dir);
            assertEquals(0, r.exit(), r::toString);
            String text = read(last, r);
            for (String line : OUT) {
                assertOnce(text, "final|INFO|native.stdout|stdout|" + line + "\n", r);
            }
            for (String line : ERR) {
                assertOnce(text, "final|WARN|native.stderr|stderr|" + line + "\n", r);
            }
            // premain did not initialize logback: the first configuration never saw a line.
            assertFalse(Files.exists(first) && Files.readString(first).contains("native"), "lines in " + first);
            assertNothingNativeOnRealFds(r);
        }
    }

    @Nested
    class Point_4_slf4j_not_visible_at_premain {
        private AgentJvm nested(Path log, String options) {
            String nestedPath = String.join(java.io.File.pathSeparator, AgentJvm.testClasses(),
                    String.join(java.io.File.pathSeparator, AgentJvm.jars(Lib.SLF4J, Lib.LOGBACK, Lib.JUL_TO_SLF4J)));
            AgentJvm j = AgentJvm.with(Lib.JNA)
                    .main("fixture.NestedLauncher")
                    .jvm("-Dlogback.configurationFile=" + resource("logback-file.xml"), "-Dlog.file=" + log)
                    .args(nestedPath, "jul-bridge", "lines=3", "child", "exit");
            return options == null ? j : j.options(options);
        }

        @Test
        void to_logs_goes_to_System_Logger_which_the_applications_jul_bridge_brings_into_its_logback_file()
                throws Exception {
            Path dir = dir("nested");
            Path log = dir.resolve("app.log");
            AgentJvm.Result r = nested(log, null).run(dir);
            assertEquals(0, r.exit(), r::toString);
            String text = read(log, r);
            // Through JUL and the bridge: SLF4J's level names, our logger names; no native.stream MDC.
            for (String line : OUT) {
                assertOnce(text, "INFO|native.stdout||" + line + "\n", r);
            }
            for (String line : ERR) {
                assertOnce(text, "WARN|native.stderr||" + line + "\n", r);
            }
            assertNothingNativeOnRealFds(r);
            assertOnce(r.stderr(), "fdcapture agent: slf4j-api was not on the class path at start (the application"
                    + " loaded it later, in fixture.NestedLauncher$AppLoader); native output goes to System.Logger", r);
            assertEquals(1, r.stderr().lines().count(), r::toString);
        }

        @Test
        void to_slf4j_says_at_start_that_it_falls_back_to_System_Logger() throws Exception {
            Path dir = dir("nested-slf4j");
            Path log = dir.resolve("app.log");
            AgentJvm.Result r = nested(log, "to=slf4j").run(dir);
            assertEquals(0, r.exit(), r::toString);
            assertOnce(r.stderr(), "fdcapture agent: slf4j-api is not on the class path at start", r);
            assertEquals(1, r.stderr().lines().count(), r::toString);
            String text = read(log, r);
            assertOnce(text, "INFO|native.stdout||native out 1\n", r);
            assertOnce(text, "WARN|native.stderr||native err 1\n", r);
        }
    }

    @Nested
    class Point_5_to_streams {
        @Test
        void native_lines_show_up_in_a_replaced_System_out_and_nothing_loops() throws Exception {
            Path dir = dir("streams-replaced");
            Path console = dir.resolve("ide-console.txt");
            AgentJvm.Result r = AgentJvm.with(Lib.JNA).options("to=streams")
                    .args("set-out=" + console, "java-print", "lines=3", "child", "exit").run(dir);
            assertEquals(0, r.exit(), r::toString);
            String text = read(console, r);
            for (String line : OUT) {
                assertOnce(text, line + "\n", r);
            }
            for (String line : ERR) {
                assertOnce(text, line + "\n", r);
            }
            assertOnce(text, "java println from main\n", r);
            assertNothingNativeOnRealFds(r);
            assertEquals("", r.stdout() + r.stderr(), r::toString);
        }

        @Test
        void with_the_jvms_own_streams_each_line_reaches_its_real_fd_once() throws Exception {
            Path dir = dir("streams");
            AgentJvm.Result r = AgentJvm.with(Lib.JNA).options("to=streams")
                    .args("lines=3", "child", "exit").run(dir);
            assertEquals(0, r.exit(), r::toString);
            for (String line : OUT) {
                assertOnce(r.stdout(), line + "\n", r);
            }
            for (String line : ERR) {
                assertOnce(r.stderr(), line + "\n", r);
            }
        }
    }

    @Nested
    class Point_6_console_appenders_never_loop {
        @Test
        void logback_console_appender() throws Exception {
            Path dir = dir("logback-console");
            AgentJvm.Result r = AgentJvm.with(Lib.JNA, Lib.SLF4J, Lib.LOGBACK)
                    .jvm("-Dlogback.configurationFile=" + resource("logback-console.xml"))
                    .args("lines=3", "child", "exit").run(dir);
            assertEquals(0, r.exit(), r::toString);
            for (String line : OUT) {
                assertOnce(r.stdout(), "console|INFO|native.stdout|stdout|" + line + "\n", r);
            }
            for (String line : ERR) {
                assertOnce(r.stdout(), "console|WARN|native.stderr|stderr|" + line + "\n", r);
            }
            assertEquals(OUT.size() + ERR.size(), r.stdout().lines().count(), r::toString);
        }

        @Test
        void log4j2_console_appender() throws Exception {
            Path dir = dir("log4j2-console");
            AgentJvm.Result r = AgentJvm.with(Lib.JNA, Lib.SLF4J, Lib.LOG4J)
                    .jvm("-Dlog4j2.configurationFile=" + resource("log4j2-console.xml"))
                    // log4j2 cannot start once the JVM is shutting down (it adds a hook of its own):
                    // the first line must arrive while the application runs.
                    .args("lines=3", "child", "linger=4000").run(dir);
            assertEquals(0, r.exit(), r::toString);
            for (String line : OUT) {
                assertOnce(r.stdout(), "log4j2|INFO|native.stdout|stdout|" + line + "\n", r);
            }
            for (String line : ERR) {
                assertOnce(r.stdout(), "log4j2|WARN|native.stderr|stderr|" + line + "\n", r);
            }
            assertEquals(OUT.size() + ERR.size(), r.stdout().lines().count(), r::toString);
        }

        @Test
        void jul_console_handler() throws Exception {
            Path dir = dir("jul-console");
            Path config = dir.resolve("logging.properties");
            Files.writeString(config, "handlers=java.util.logging.ConsoleHandler\n"
                    + "java.util.logging.SimpleFormatter.format=jul|%4$s|%3$s|%5$s%n\n");
            AgentJvm.Result r = AgentJvm.with(Lib.JNA).options("to=jul")
                    .jvm("-Djava.util.logging.config.file=" + config)
                    .args("lines=3", "child", "exit").run(dir);
            assertEquals(0, r.exit(), r::toString);
            for (String line : OUT) {
                assertOnce(r.stderr(), "jul|INFO|native.stdout|" + line + "\n", r);
            }
            for (String line : ERR) {
                assertOnce(r.stderr(), "jul|WARNING|native.stderr|" + line + "\n", r);
            }
            assertEquals(OUT.size() + ERR.size(), r.stderr().lines().count(), r::toString);
            assertEquals("", r.stdout(), r::toString);
        }
    }

    @Nested
    class Point_7_bad_options_and_unsupported_environments {
        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {
                "colour=red|fdcapture agent: unknown option \"colour\"; valid options: to, stdout, stderr, logger",
                "to=kafka|fdcapture agent: bad option to=kafka; valid: logs, slf4j, jul, system-logger, streams",
                "stdout=LOUD|fdcapture agent: bad option stdout=LOUD; valid levels: TRACE, DEBUG, INFO, WARN, ERROR",
                "to=streams,stderr=ERROR|fdcapture agent: option stderr=ERROR has no effect with to=streams",
                "to|fdcapture agent: option \"to\" has no value",
                "to=jul,to=slf4j|fdcapture agent: option to given twice"})
        void a_wrong_option_stops_the_jvm_with_one_line_naming_it(String caseText) throws Exception {
            String options = caseText.substring(0, caseText.indexOf('|'));
            String expected = caseText.substring(caseText.indexOf('|') + 1);
            Path dir = dir("bad-option");
            AgentJvm.Result r = AgentJvm.with(Lib.JNA).options(options).args("lines=1").run(dir);
            assertEquals(1, r.exit(), r::toString);
            assertTrue(r.stderr().startsWith(expected), r::toString);
            assertEquals(1, r.stderr().lines().count(), r::toString);
            // The application never ran.
            assertEquals("", r.stdout(), r::toString);
        }

        @Test
        void without_native_access_one_warning_names_the_flag_and_the_application_runs_unchanged() throws Exception {
            Path dir = dir("no-native-access");
            AgentJvm.Result r = AgentJvm.with().withoutNativeAccess()
                    .args("lines=0", "child").run(dir);
            assertEquals(0, r.exit(), r::toString);
            assertOnce(r.stderr(), "fdcapture agent: native output is not captured: fdcapture needs native access:"
                    + " start the JVM with --enable-native-access=ALL-UNNAMED; the application runs unchanged\n", r);
            assertOnce(r.stdout(), "child out\n", r);
            assertOnce(r.stderr(), "child err\n", r);
            assertEquals(2, r.stderr().lines().count(), r::toString);
        }

        @Test
        @EnabledIf("dev.fdcapture.agent.AgentIT#hasJava17")
        void on_java_17_without_jna_one_warning_names_the_dependency() throws Exception {
            Path dir = dir("no-jna");
            AgentJvm.Result r = AgentJvm.with().java(AgentJvm.java17()).withoutNativeAccess()
                    .args("lines=0", "child").run(dir);
            assertEquals(0, r.exit(), r::toString);
            assertOnce(r.stderr(), "fdcapture agent: native output is not captured: fdcapture needs JNA on Java 17:"
                    + " add the dependency net.java.dev.jna:jna:", r);
            assertOnce(r.stdout(), "child out\n", r);
            assertOnce(r.stderr(), "child err\n", r);
        }

        @Test
        void java_minus_jar_prints_the_usage() throws Exception {
            Path dir = dir("usage");
            AgentJvm.Result r = AgentJvm.with().withoutAgent()
                    .jvm("-jar", AgentJvm.agentJar().toString()).main("").run(dir);
            assertEquals(0, r.exit(), r::toString);
            assertTrue(r.stdout().contains("-javaagent:fdcapture-agent.jar[=OPTIONS]"), r::toString);
            for (String key : AgentOptions.KEYS) {
                assertTrue(r.stdout().contains("  " + key + "="), () -> key + " missing from the usage\n" + r);
            }
        }
    }
}
