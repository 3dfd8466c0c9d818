package dev.fdcapture;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 7 point 4, HAZARDS.md item 13: {@code java App | head -1}. The original
 * fd gets EPIPE once head has gone; that is the reader's problem, not the
 * redirection's: the branch to it stops quietly (one warning), the other sinks
 * and the capture go on, close() does not throw, the process gets no SIGPIPE.
 */
class BrokenDestinationTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tee", "systemOut", "linger"})
    @Timeout(60)
    void a_destination_that_is_gone_stops_its_branch_quietly_and_nothing_else(String how) throws Exception {
        Path results = dir.resolve("results.txt");
        List<String> java = ChildJvm.command(List.of("-Dfdcapture.results=" + results,
                "--enable-native-access=ALL-UNNAMED"), HostileChild.class, "broken", how, dir.toString());
        ChildJvm.Result child = ChildJvm.run(dir, Duration.ofSeconds(50),
                ChildJvm.inShell("\"$@\" | head -1", java));
        Map<String, String> r = ChildJvm.results(results);
        String where = child + "\n--- results ---\n" + r;
        String stderr = child.stderr();
        int warnings = stderr.split("fdcapture stopped writing to where stdout pointed", -1).length - 1;
        int streamWarnings = stderr.split("fdcapture stopped writing to System.out", -1).length - 1;
        assertAll(where,
                () -> assertEquals("true", r.get("done"), "the child JVM finished"),
                () -> assertEquals("first\n", child.stdout(), "what head printed"),
                () -> assertEquals("returned", r.get("close"), "close() does not throw for a destination that is gone"),
                () -> assertEquals("101", r.get("lines"), "the other sink of the tee got every line"),
                // Under systemOut the JVM's own System.out, writing to the broken pipe once fd 1 is
                // restored, keeps what it could not write and hands it to its next flush: the JDK's doing.
                () -> assertTrue(r.get("next").startsWith("next\\n"), "the next capture works"),
                // The echo of Sink.systemOut() fails on the original fd while fd 1 is captured; what
                // the reader writes to System.out after close() restored fd 1 fails in System.out.
                () -> assertTrue(how.equals("systemOut")
                                ? warnings <= 1 && streamWarnings <= 1 && warnings + streamWarnings >= 1
                                : warnings == 1 && streamWarnings == 0,
                        "one warning per branch: " + warnings + " for the original fd, " + streamWarnings
                                + " for System.out"),
                () -> assertFalse(stderr.contains("\tat "), "no stack trace"),
                () -> {
                    if (how.equals("linger")) {
                        assertEquals("rc=0", r.get("grandchild"), "the late writer's write did not fail");
                    }
                });
    }
}
