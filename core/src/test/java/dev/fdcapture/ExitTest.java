package dev.fdcapture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 7 point 2, HAZARDS.md item 11: redirections still open when the JVM
 * exits are closed by the library's shutdown hook, newest first, so everything
 * written before exit reaches their sinks and the original fds; and point 3: a
 * stuck sink bounds exit by its stall limit instead of hanging it.
 */
class ExitTest {
    private static final List<String> LINES = List.of("line 0", "line 1", "line 2", "line 3", "line 4",
            "buffered by stdio");

    @TempDir
    Path dir;

    @ParameterizedTest(name = "the JVM ends by {0}")
    @ValueSource(strings = {"exit", "return", "signal"})
    @Timeout(60)
    void every_redirection_open_at_exit_delivers_everything_to_its_sinks_and_the_original_fd(String how)
            throws Exception {
        List<String> command = ChildJvm.command(List.of("--enable-native-access=ALL-UNNAMED"), HostileChild.class,
                "exit", how, dir.toString());
        Path out = dir.resolve("child.out");
        Path err = dir.resolve("child.err");
        Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (how.equals("signal")) {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(dir.resolve("ready")) && p.isAlive() && System.nanoTime() < end) {
                Thread.sleep(10);
            }
            p.destroy(); // SIGTERM
        }
        if (!p.waitFor(40, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("the child did not exit: " + Files.readString(err));
        }
        String where = "exit code " + p.exitValue() + "\n--- stdout ---\n" + Files.readString(out)
                + "\n--- stderr ---\n" + Files.readString(err);
        assertAll(where,
                () -> assertEquals(how.equals("signal") ? 143 : 0, p.exitValue()),
                () -> assertEquals(LINES, read(dir.resolve("inner.txt")), "the newer redirection's own sink"),
                () -> assertEquals(LINES, read(dir.resolve("outer.txt")),
                        "the older one, fed by the newer one's echo: closed after it"),
                () -> assertEquals(String.join("\n", LINES) + "\n", Files.readString(out), "the terminal"));
    }

    @Test
    @Timeout(60)
    void a_sink_stuck_forever_delays_exit_by_the_stall_limit_only() throws Exception {
        ChildJvm.Result child = ChildJvm.run(dir, Duration.ofSeconds(40),
                ChildJvm.command(List.of("--enable-native-access=ALL-UNNAMED",
                        "-Djava.util.logging.manager=" + HostileChild.KeepLogging.class.getName()),
                        HostileChild.class, "stuck-exit"));
        assertEquals(3, child.exitCode(), child::toString);
        assertTrue(child.elapsed().toMillis() < 15_000, child::toString);
        assertEquals("before exit\n", child.stdout(), child::toString);
        assertTrue(child.stderr().contains("the stdout sink stalled: one call on thread fdcapture-stdout-reader-"),
                child::toString);
    }

    private static List<String> read(Path file) throws java.io.IOException {
        return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
    }
}
