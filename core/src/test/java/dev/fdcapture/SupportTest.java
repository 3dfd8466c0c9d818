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
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 2 point 11 and HAZARDS.md item 9: without native access the library
 * says so, names the flag, throws a clear exception, and never makes the JVM
 * print its restricted-method warning. Each case is a separate JVM, since
 * native access is fixed at startup.
 */
class SupportTest {
    private static final int FEATURE = Runtime.version().feature();
    private static final String EXPECTED_CAUSE =
            "fdcapture needs native access: start the JVM with --enable-native-access=ALL-UNNAMED";

    @TempDir
    Path dir;

    @ParameterizedTest(name = "JVM flags: [{0}]")
    @ValueSource(strings = {"", "--illegal-native-access=warn", "--illegal-native-access=deny"})
    @Timeout(60)
    void without_enable_native_access_capture_is_unsupported_names_the_flag_and_the_jvm_prints_no_warning(String flags)
            throws Exception {
        // Native access is restricted from Java 22 on (and --illegal-native-access exists from 24).
        assumeTrue(FEATURE >= (flags.isEmpty() ? 22 : 24), "nothing restricts native access on Java " + FEATURE);
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
        List<String> flags = FEATURE >= 24
                ? List.of("--enable-native-access=ALL-UNNAMED", "--illegal-native-access=deny")
                : List.of("--enable-native-access=ALL-UNNAMED");
        ChildJvm.Result child = ChildJvm.run(dir, Duration.ofSeconds(50), flags, "support");

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

    @Test
    @Timeout(60)
    void without_jna_on_java_17_to_21_capture_is_unsupported_and_names_the_dependency() throws Exception {
        // Also what -Ddev.fdcapture.backend=jna without JNA says on 22+.
        boolean jnaExpected = FEATURE < 22 || "jna".equals(System.getProperty("dev.fdcapture.backend"));
        assumeTrue(jnaExpected, "on Java 22+ the FFM backend needs no JNA (tested below)");
        ChildJvm.Result child = ChildJvm.run(dir, Duration.ofSeconds(50),
                List.of("--enable-native-access=ALL-UNNAMED", "-cp", ChildJvm.classPathWithoutJna()), "support");

        String cause = "fdcapture needs JNA on Java " + FEATURE + ": add the dependency net.java.dev.jna:jna:5.17.0"
                + (FEATURE >= 22 ? ", or drop -Ddev.fdcapture.backend=jna" : "");
        assertEquals(0, child.exitCode(), child::toString);
        assertAll(child.toString(),
                () -> assertEquals("false", child.get("supported")),
                () -> assertEquals(cause, child.get("cause")),
                () -> assertEquals(UnsupportedOperationException.class.getName() + ": " + cause, child.get("capture")),
                () -> assertFalse((child.stdout() + child.stderr()).contains("NoClassDefFoundError")),
                () -> assertFalse(child.stderr().contains("WARNING"), "the JVM warned"));
    }

    @Test
    @Timeout(60)
    void on_java_22_and_later_the_ffm_backend_needs_no_jna() throws Exception {
        assumeTrue(FEATURE >= 22, "FFM is Java 22+");
        ChildJvm.Result child = ChildJvm.run(dir, Duration.ofSeconds(50),
                List.of("--enable-native-access=ALL-UNNAMED", "-Ddev.fdcapture.backend=ffm",
                        "-cp", ChildJvm.classPathWithoutJna()), "support");

        assertEquals(0, child.exitCode(), child::toString);
        assertAll(child.toString(),
                () -> assertEquals("true", child.get("supported")),
                () -> assertEquals("returned", child.get("capture")));
    }

    @ParameterizedTest(name = "-Ddev.fdcapture.backend={0}")
    @ValueSource(strings = {"panama", "ffm"})
    @Timeout(60)
    void an_unknown_backend_or_ffm_before_java_22_is_a_clear_unsupported_cause(String backend) throws Exception {
        assumeTrue(backend.equals("panama") || FEATURE < 22, "ffm works on Java 22+");
        ChildJvm.Result child = ChildJvm.run(dir, Duration.ofSeconds(50),
                List.of("--enable-native-access=ALL-UNNAMED", "-Ddev.fdcapture.backend=" + backend), "support");

        String cause = backend.equals("panama")
                ? "unknown fdcapture backend -Ddev.fdcapture.backend=panama; use ffm (Java 22+) or jna"
                : "-Ddev.fdcapture.backend=ffm needs Java 22 or later (this is Java " + FEATURE
                        + "); on Java 17-21 fdcapture uses JNA";
        assertEquals(0, child.exitCode(), child::toString);
        assertAll(child.toString(),
                () -> assertEquals("false", child.get("supported")),
                () -> assertEquals(cause, child.get("cause")),
                () -> assertEquals(UnsupportedOperationException.class.getName() + ": " + cause,
                        child.get("ensureSupported")));
    }
}
