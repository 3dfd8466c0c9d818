package dev.fdcapture;

import dev.fdcapture.modulecheck.ModuleChild;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The {@code dev.fdcapture} module on the module path, with and without JNA
 * ({@code requires static com.sun.jna}): it resolves either way, works where its
 * backend is there, and says what to add where it is not.
 */
class ModulePathTest {
    private static final int FEATURE = Runtime.version().feature();

    @TempDir
    Path dir;

    private ChildJvm.Result run(boolean withJna, String... extra) throws Exception {
        String core = ChildJvm.location(NativeOutput.class);
        List<String> args = new ArrayList<>();
        args.add("--module-path");
        args.add(withJna ? core + File.pathSeparator + ChildJvm.location(com.sun.jna.Native.class) : core);
        args.add("--add-modules");
        args.add(withJna ? "dev.fdcapture,com.sun.jna" : "dev.fdcapture");
        args.add("-cp");
        args.add(ChildJvm.location(ModuleChild.class));
        args.addAll(List.of(extra));
        return ChildJvm.runMain(dir, Duration.ofSeconds(50), args, ModuleChild.class.getName());
    }

    @Test
    @Timeout(60)
    void with_its_backend_on_the_module_path_the_module_captures() throws Exception {
        boolean jna = FEATURE < 22 || "jna".equals(System.getProperty("dev.fdcapture.backend"));
        ChildJvm.Result child = jna
                ? run(true, "--enable-native-access=com.sun.jna,dev.fdcapture")
                : run(false, "--enable-native-access=dev.fdcapture");

        assertEquals(0, child.exitCode(), child::toString);
        assertAll(child.toString(),
                () -> assertEquals("true", child.get("named")),
                () -> assertEquals("true", child.get("supported")),
                () -> assertEquals("from a child\\n", child.get("stdout")),
                () -> assertFalse(child.stderr().contains("WARNING"), "the JVM warned"));
    }

    @Test
    @Timeout(60)
    void without_jna_where_it_is_needed_the_module_resolves_and_names_the_dependency() throws Exception {
        boolean forced = "jna".equals(System.getProperty("dev.fdcapture.backend"));
        ChildJvm.Result child = run(false, "--enable-native-access=dev.fdcapture",
                "-Ddev.fdcapture.backend=jna");

        String cause = "fdcapture needs JNA on Java " + FEATURE + ": add the dependency net.java.dev.jna:jna:5.17.0"
                + " (on the module path, also --add-modules com.sun.jna if nothing else requires it)"
                + (FEATURE >= 22 ? ", or drop -Ddev.fdcapture.backend=jna" : "");
        assertEquals(0, child.exitCode(), child::toString);
        assertAll(child.toString() + (forced ? " (JNA forced)" : ""),
                () -> assertEquals("true", child.get("named")),
                () -> assertEquals("false", child.get("supported")),
                () -> assertEquals(cause, child.get("cause")),
                () -> assertFalse(child.stderr().contains("NoClassDefFoundError")));
    }
}
