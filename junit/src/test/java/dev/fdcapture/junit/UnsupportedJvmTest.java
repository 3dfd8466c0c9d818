package dev.fdcapture.junit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What must hold 5: in a JVM where fdcapture cannot work, captured tests fail
 * with the cause, naming the flag or dependency to add, and the run-wide mode
 * logs one warning and does nothing else. The child JVM is this test's JVM
 * (Java 22+ or 17); it lacks what that Java needs: {@code --enable-native-access}
 * on 22+ (FFM), JNA on 17-21.
 */
@Timeout(120)
class UnsupportedJvmTest {

    /** Run only in the child JVM. */
    @CaptureNativeOutput
    static class Captured {
        @Test
        void captured(CapturedOutput output) {
            System.out.println("never reached");
        }
    }

    /** Run only in the child JVM. */
    static class Plain {
        @Test
        void plain() {
            System.out.println("plain test ran");
        }
    }

    private record Child(int exit, String out, String err) {
    }

    private static Child run(Path dir, List<String> jvmArgs, Class<?> test) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(classPath());
        command.add(ChildLauncher.class.getName());
        command.add(test.getName());
        Path out = dir.resolve("out");
        Path err = dir.resolve("err");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(new File("/dev/null")).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the child JVM did not finish: " + command);
        }
        return new Child(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    private static final boolean FFM = Runtime.version().feature() >= 22;

    /** This JVM's class path, without JNA on Java 17-21, where fdcapture needs it. */
    private static String classPath() {
        String cp = System.getProperty("java.class.path");
        if (FFM) {
            return cp;
        }
        StringBuilder without = new StringBuilder();
        for (String entry : cp.split(File.pathSeparator)) {
            if (!entry.matches(".*/jna-[0-9.]+\\.jar")) {
                without.append(without.length() == 0 ? "" : File.pathSeparator).append(entry);
            }
        }
        return without.toString();
    }

    /** What the child lacks, as fdcapture names it. */
    private static final String CAUSE = FFM
            ? "fdcapture needs native access: start the JVM with --enable-native-access=ALL-UNNAMED"
            : "fdcapture needs JNA on Java " + Runtime.version().feature() + ": add the dependency net.java.dev.jna:jna";

    @Test
    void captured_tests_fail_with_the_cause_naming_the_flag_or_dependency_to_add(@TempDir Path dir)
            throws Exception {
        Child c = run(dir, List.of(), Captured.class);
        assertEquals(0, c.exit, c.err);
        assertTrue(c.out.contains("RESULT Captured#captured FAILED @CaptureNativeOutput cannot capture in this JVM: "
                + CAUSE), c.out);
        assertFalse(c.out.contains("never reached"), c.out);
        assertFalse(c.err.contains("restricted method"), "the JVM's own native-access warning: " + c.err);
    }

    @Test
    void the_run_wide_mode_logs_one_warning_and_the_tests_run_as_usual(@TempDir Path dir) throws Exception {
        Child c = run(dir, List.of("-D" + NativeOutputExtension.REPORT_NATIVE_OUTPUT + "=true", "-Druns=3"),
                Plain.class);
        assertEquals(0, c.exit, c.err);
        assertEquals(3, c.out.split("RESULT Plain#plain SUCCESSFUL", -1).length - 1, c.out);
        assertEquals(3, c.out.split("plain test ran", -1).length - 1, c.out);
        long warnings = c.err.lines().filter(l -> l.contains(NativeOutputExtension.REPORT_NATIVE_OUTPUT)).count();
        assertEquals(1, warnings, c.err);
        assertTrue(c.err.contains(CAUSE), c.err);
        assertFalse(c.err.contains("restricted method"), c.err);
    }
}
