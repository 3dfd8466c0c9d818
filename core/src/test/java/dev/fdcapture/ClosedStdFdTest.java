package dev.fdcapture;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 7 point 1, HAZARDS.md item 10: a JVM started with fd 1 or fd 2 closed
 * ({@code >&-}, {@code 2>&-}) opens its own files there, the modules image or a
 * jar, read-only. A capture must leave such a descriptor alone (it is not a
 * stdout), keep the JVM healthy, and still capture the other fd.
 */
class ClosedStdFdTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "started with [{0}]")
    @CsvSource(delimiter = ';', value = {">&-; 1", "2>&-; 2", ">&- 2>&-; 1"})
    @Timeout(60)
    void a_descriptor_that_is_not_a_writable_stdout_is_left_alone_and_the_jvm_stays_healthy(
            String redirection, int readOnly) throws Exception {
        Path results = dir.resolve("results.txt");
        List<String> java = ChildJvm.command(List.of("-Dfdcapture.results=" + results,
                "--enable-native-access=ALL-UNNAMED"), HostileChild.class, "closed");
        ChildJvm.Result child = ChildJvm.run(dir, Duration.ofSeconds(50),
                ChildJvm.inShell("exec \"$@\" " + redirection, java));
        Map<String, String> r = ChildJvm.results(results);
        String where = child + "\n--- results ---\n" + r;
        assertEquals(0, child.exitCode(), where);
        assertEquals("true", r.get("done"), where);
        // The JVM put one of its own files at the closed number, read-only: not a
        // stdout. (With both closed, fd 2 gets a writable /dev/null: that one is.)
        assertTrue(r.get("before" + readOnly).contains("/lib/modules flags 0100000"), where);
        assertEquals("false", r.get("writable" + readOnly), where);
        boolean closed1 = !Boolean.parseBoolean(r.get("writable1"));
        boolean closed2 = !Boolean.parseBoolean(r.get("writable2"));
        String expectedOut = closed1 ? "" : "to fd 1\\n";
        String expectedErr = closed2 ? "" : "to fd 2\\n";
        assertAll(where,
                () -> assertEquals("true", r.get("supported"), "isSupported() stays true"),
                () -> assertEquals(r.get("before1"), r.get("after1"), "fd 1 was replaced"),
                () -> assertEquals(r.get("before2"), r.get("after2"), "fd 2 was replaced"),
                () -> assertEquals("true", r.get("loadedDuring"), "class loading inside a capture"),
                () -> assertEquals("true", r.get("loadedAfter"), "class loading after the captures"),
                () -> assertEquals(expectedOut, r.get("capture.stdout")),
                () -> assertEquals(expectedErr, r.get("capture.stderr")),
                () -> assertEquals((closed1 ? "" : "merged 1\\n") + (closed2 ? "" : "merged 2\\n"), r.get("merged"),
                        "the open fd still goes into the merged capture"),
                () -> assertEquals(closed1 ? "" : "tapped 1\\n", r.get("tapStdout")),
                () -> assertEquals(closed2 ? "" : "tapped 2\\n", r.get("tapStderr")),
                () -> assertEquals((closed1 ? "" : "file 1\\n") + (closed2 ? "" : "file 2\\n"), r.get("file")));
    }
}
