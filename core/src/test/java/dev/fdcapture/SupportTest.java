package dev.fdcapture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 2 point 11 and HAZARDS.md item 9: without native access the library
 * says so, names the flag, throws a clear exception, and never makes the JVM
 * print its restricted-method warning. Each case is a separate JVM, since
 * native access is fixed at startup.
 */
class SupportTest {
    private static final String EXPECTED_CAUSE =
            "fdcapture needs native access: start the JVM with --enable-native-access=ALL-UNNAMED";

    @TempDir
    Path dir;

    @ParameterizedTest(name = "JVM flags: [{0}]")
    @ValueSource(strings = {"", "--illegal-native-access=warn", "--illegal-native-access=deny"})
    @Timeout(60)
    void without_enable_native_access_capture_is_unsupported_names_the_flag_and_the_jvm_prints_no_warning(String flags)
            throws Exception {
        List<String> jvmArgs = new ArrayList<>();
        if (!flags.isEmpty()) {
            jvmArgs.add(flags);
        }
        ChildJvm.Result child = ChildJvm.run(dir, Duration.ofSeconds(50), jvmArgs, "support");

        String unsupported = UnsupportedOperationException.class.getName() + ": " + EXPECTED_CAUSE;
        assertEquals(0, child.exitCode(), child::toString);
        assertAll(child.toString(),
                () -> assertEquals("false", child.get("supported")),
                () -> assertEquals(EXPECTED_CAUSE, child.get("cause")),
                () -> assertEquals(unsupported, child.get("capture")),
                () -> assertEquals(unsupported, child.get("tapStdout")),
                () -> assertEquals(unsupported, child.get("silence")),
                () -> assertEquals(unsupported, child.get("start")),
                () -> assertEquals(unsupported, child.get("ensureSupported")),
                () -> assertFalse(child.stderr().contains("WARNING"), "the JVM warned"),
                () -> assertFalse(child.stdout().contains("WARNING"), "the JVM warned"),
                () -> assertFalse((child.stdout() + child.stderr()).contains("IllegalCallerException"),
                        "a restricted call was attempted"));
    }

    @Test
    @Timeout(60)
    void with_enable_native_access_capture_is_supported_in_a_class_path_jvm() throws Exception {
        ChildJvm.Result child = ChildJvm.run(dir, Duration.ofSeconds(50),
                List.of("--enable-native-access=ALL-UNNAMED", "--illegal-native-access=deny"), "support");

        assertEquals(0, child.exitCode(), child::toString);
        assertAll(child.toString(),
                () -> assertEquals("true", child.get("supported")),
                () -> assertEquals("<none>", child.get("cause")),
                () -> assertEquals("returned", child.get("capture")),
                () -> assertEquals("returned", child.get("start")),
                () -> assertEquals("returned", child.get("ensureSupported")),
                () -> assertTrue(child.stderr().isEmpty(), "stderr: " + child.stderr()));
    }

    @ParameterizedTest(name = "os.name={0}")
    @ValueSource(strings = {"Windows 11", "FreeBSD", "Mac OS X"})
    @Timeout(60)
    void on_another_operating_system_capture_is_unsupported_with_a_clear_reason(String os) throws Exception {
        // os.name is what the library reads; setting it stands in for the real thing.
        ChildJvm.Result child = ChildJvm.run(dir, Duration.ofSeconds(50),
                List.of("--enable-native-access=ALL-UNNAMED", "-Dos.name=" + os), "support");

        String cause = os.startsWith("Mac")
                ? "fdcapture does not support macOS yet: its transport needs Linux memfd and inotify"
                : "fdcapture supports Linux only; os.name is " + os;
        assertEquals(0, child.exitCode(), child::toString);
        assertAll(child.toString(),
                () -> assertEquals("false", child.get("supported")),
                () -> assertEquals(cause, child.get("cause")),
                () -> assertEquals(UnsupportedOperationException.class.getName() + ": " + cause, child.get("capture")),
                () -> assertEquals(UnsupportedOperationException.class.getName() + ": " + cause,
                        child.get("ensureSupported")));
    }
}
