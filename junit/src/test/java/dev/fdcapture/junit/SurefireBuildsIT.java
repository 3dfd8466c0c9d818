package dev.fdcapture.junit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What must hold 1, 4 (the report) and 6: real Maven builds of the fixture
 * projects in {@code src/it}, with the jars this build made (installed by
 * maven-invoker-plugin into {@code target/it-repo}, never into ~/.m2), read the
 * way a user would: Maven's console and {@code TEST-*.xml}.
 */
@Timeout(600)
class SurefireBuildsIT {
    private static final Path FIXTURES = Path.of(System.getProperty("fixtures.source", "src/it"));
    private static final Path WORK = Path.of(System.getProperty("fixtures.work", "target/fixtures"));
    private static final Path REPO = Path.of(System.getProperty("fixtures.repo", "target/it-repo"));

    /** One fixture build: Maven's console output and the test reports. */
    private record Build(String name, int exit, String console, Path dir) {
        Map<String, Element> testcases(String className) throws Exception {
            Path report = dir.resolve("target/surefire-reports/TEST-" + className + ".xml");
            Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(report.toFile());
            Map<String, Element> cases = new LinkedHashMap<>();
            NodeList list = d.getElementsByTagName("testcase");
            for (int i = 0; i < list.getLength(); i++) {
                Element e = (Element) list.item(i);
                cases.put(e.getAttribute("name").replaceAll("\\(.*", ""), e);
            }
            return cases;
        }

        List<Path> dumpstreams() throws IOException {
            Path reports = dir.resolve("target/surefire-reports");
            try (Stream<Path> s = Files.list(reports)) {
                return s.filter(p -> p.toString().endsWith(".dumpstream")).collect(Collectors.toList());
            }
        }

        void assertNoCorruptedChannel() throws IOException {
            assertFalse(console.contains("Corrupted channel"), this::toString);
            assertFalse(console.contains("maven-surefire-event"), "a frame reached the console:\n" + this);
            assertEquals(List.of(), dumpstreams(), "Surefire moved output it could not read to a dump file");
        }

        @Override
        public String toString() {
            return name + ": exit " + exit + "\n" + console;
        }
    }

    private static String text(Element testcase, String tag) {
        NodeList l = testcase.getElementsByTagName(tag);
        return l.getLength() == 0 ? "" : l.item(0).getTextContent();
    }

    private static int count(String haystack, String needle) {
        return haystack.split(java.util.regex.Pattern.quote(needle), -1).length - 1;
    }

    private static Build captured;
    private static Build capturedTcp;
    private static Build capturedNewerSurefire;
    private static Build runWide;

    @BeforeAll
    static void build_the_fixtures() throws Exception {
        captured = maven("captured", "default-channel");
        capturedTcp = maven("captured", "tcp-channel", "-Ptcp");
        capturedNewerSurefire = maven("captured", "surefire-3.6.0", "-Dsurefire.version=3.6.0");
        runWide = maven("run-wide", "default-channel", "-Djunit.version=5.10.3");
    }

    private static Build maven(String fixture, String variant, String... args) throws Exception {
        Path dir = WORK.resolve(fixture + "-" + variant);
        copy(FIXTURES.resolve(fixture), dir);
        Path settings = WORK.resolve("settings.xml");
        writeSettings(settings);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("maven.home"), "bin", "mvn").toString());
        command.addAll(List.of("-B", "-s", settings.toAbsolutePath().toString(),
                "-Dmaven.repo.local=" + REPO.toAbsolutePath(),
                "-Dfdcapture.version=" + System.getProperty("fdcapture.version"),
                "-Dmaven.test.failure.ignore=true"));
        command.addAll(List.of(args));
        command.add("test");
        Path log = dir.resolve("build.log");
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(new File("/dev/null"));
        // The JDK this test runs on (22+): it compiles against fdcapture and runs the fork.
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("MAVEN_OPTS");
        pb.environment().remove("MAVEN_ARGS");
        Process p = pb.start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(fixture + " " + variant + " did not finish:\n" + Files.readString(log));
        }
        String console = Files.readString(log, StandardCharsets.UTF_8);
        Build b = new Build(fixture + " (" + variant + ")", p.exitValue(), console, dir);
        assertEquals(0, b.exit, b::toString);
        assertTrue(console.contains("BUILD SUCCESS"), b::toString);
        return b;
    }

    /** Plugins and JUnit come from the local repository of the build running this test, else Central. */
    private static void writeSettings(Path settings) throws IOException {
        String outer = Path.of(System.getProperty("outer.repo")).toUri().toString();
        String repository = "<id>outer</id><url>" + outer + "</url>"
                + "<releases><enabled>true</enabled><checksumPolicy>ignore</checksumPolicy></releases>"
                + "<snapshots><enabled>false</enabled></snapshots>";
        Files.writeString(settings, "<settings><profiles><profile><id>outer</id>"
                + "<repositories><repository>" + repository + "</repository></repositories>"
                + "<pluginRepositories><pluginRepository>" + repository + "</pluginRepository></pluginRepositories>"
                + "</profile></profiles><activeProfiles><activeProfile>outer</activeProfile></activeProfiles>"
                + "</settings>\n");
    }

    private static void copy(Path from, Path to) throws IOException {
        if (Files.exists(to)) {
            try (Stream<Path> s = Files.walk(to)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    // ---- 1: the default channel and TCP ----

    private static void frames_stay_out_and_every_line_reaches_console_and_report(Build b) throws Exception {
        b.assertNoCorruptedChannel();
        Map<String, Element> cases = b.testcases("fixture.CapturedTest");
        assertEquals(6, cases.size(), cases.keySet().toString());
        // the tests' own assertions on CapturedOutput (exact content, no frames) passed:
        for (String passing : List.of("a_short_capture", "b_half_a_second_of_interleaved_native_and_java_output",
                "e_on_failure_and_passing", "f_never")) {
            assertEquals(0, cases.get(passing).getElementsByTagName("failure").getLength(),
                    () -> passing + " failed:\n" + b);
        }
        Element shortOne = cases.get("a_short_capture");
        assertEquals("short native\nshort java\n", text(shortOne, "system-out"));

        int n = Integer.parseInt(Files.readString(b.dir.resolve("target/interleaved-lines")).trim());
        assertTrue(n >= 10, "lines in half a second: " + n);
        StringBuilder echoOut = new StringBuilder();
        StringBuilder echoErr = new StringBuilder();
        for (int i = 0; i < n; i++) {
            echoOut.append("native ").append(i).append("\njava ").append(i).append('\n');
            echoErr.append("native err ").append(i).append("\njava err ").append(i).append('\n');
        }
        Element interleaved = cases.get("b_half_a_second_of_interleaved_native_and_java_output");
        String out = text(interleaved, "system-out");
        String err = text(interleaved, "system-err");
        // Surefire's own stream went straight to Maven during the test; the capture's echo follows.
        assertTrue(out.endsWith(echoOut.toString()), "report of the interleaved test:\n" + out);
        assertEquals(echoErr.toString(), err);
        for (int i = 0; i < n; i++) {
            assertEquals(1, count(out, "through surefire " + i + "\n"), "through surefire " + i);
            // each line once on the console: reached it, and nothing looped
            assertEquals(1, count(b.console, "\njava " + i + "\n"), "java " + i + " on the console");
            assertEquals(1, count(b.console, "\nnative " + i + "\n"), "native " + i + " on the console");
        }
    }

    @Test
    void under_surefires_default_channel_no_frame_reaches_a_capture_and_every_line_reaches_console_and_report()
            throws Exception {
        frames_stay_out_and_every_line_reaches_console_and_report(captured);
    }

    @Test
    void under_the_tcp_channel_the_same_holds() throws Exception {
        frames_stay_out_and_every_line_reaches_console_and_report(capturedTcp);
    }

    @Test
    void under_surefire_3_6_whose_frames_are_laid_out_differently_the_same_holds() throws Exception {
        frames_stay_out_and_every_line_reaches_console_and_report(capturedNewerSurefire);
    }

    // ---- 4: a failing test's output is in its report ----

    @Test
    void a_failing_tests_output_is_in_its_report_with_always_and_on_failure_and_not_with_never() throws Exception {
        for (Build b : List.of(captured, capturedTcp)) {
            Map<String, Element> cases = b.testcases("fixture.CapturedTest");
            Element c = cases.get("c_always_and_failing");
            assertEquals(1, c.getElementsByTagName("failure").getLength(), b::toString);
            assertEquals("native from c\njava from c\n", text(c, "system-out"), b.name());
            Element d = cases.get("d_on_failure_and_failing");
            assertEquals("native from d\n", text(d, "system-out"), b.name());
            assertEquals("", text(cases.get("e_on_failure_and_passing"), "system-out"), b.name());
            assertEquals("", text(cases.get("f_never"), "system-out"), b.name());
            assertFalse(b.console.contains("native from f"), b::toString);
            assertTrue(b.console.contains("Tests run: 6, Failures: 2"), b::toString);
        }
    }

    // ---- 6: the run-wide mode ----

    @Test
    void with_the_one_line_property_native_lines_reach_console_and_the_report_of_their_test_in_order()
            throws Exception {
        Build b = runWide;
        b.assertNoCorruptedChannel();
        Map<String, Element> cases = b.testcases("fixture.RunWideTest");
        assertEquals(4, cases.size(), cases.keySet().toString());
        StringBuilder aOut = new StringBuilder();
        StringBuilder aErr = new StringBuilder();
        StringBuilder bOut = new StringBuilder();
        StringBuilder bErr = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            aOut.append("a java ").append(i).append("\na native ").append(i).append('\n');
            aErr.append("a native err ").append(i).append('\n');
            bOut.append("b native ").append(i).append("\nb java ").append(i).append('\n');
            bErr.append("b java err ").append(i).append('\n');
        }
        bErr.append("b native err, the last thing the test does\n");
        assertEquals(aOut.toString(), text(cases.get("a_java_first"), "system-out"), b::toString);
        assertEquals(aErr.toString(), text(cases.get("a_java_first"), "system-err"), b::toString);
        assertEquals(bOut.toString(), text(cases.get("b_native_first"), "system-out"), b::toString);
        assertEquals(bErr.toString(), text(cases.get("b_native_first"), "system-err"), b::toString);
        // a captured test inside the run-wide mode: its echo is filed under it too
        assertEquals("c captured\nc java\n", text(cases.get("c_captured_inside_the_run_wide_mode"), "system-out"));
        assertEquals("c captured err\n", text(cases.get("c_captured_inside_the_run_wide_mode"), "system-err"));
        assertEquals("d native\n", text(cases.get("d_after_the_captured_one"), "system-out"));
        for (String line : (aOut.toString() + bOut + "c captured\nc java\nd native\n").split("\n")) {
            assertEquals(1, count(b.console, "\n" + line + "\n"), line + " on the console");
        }
        assertTrue(b.console.contains("Tests run: 4, Failures: 0"), b::toString);
    }
}
