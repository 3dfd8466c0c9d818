package dev.fdcapture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A capture that ends empty, with nobody left holding its fd, leaves its spool
 * file for the next capture of the same kind (half the system calls of an empty
 * capture). Any other spool is never reused: the guarantees of a fresh one
 * (exact end of stream, children's late output) must hold for every capture.
 */
class SpoolReuseTest extends FdLevelTest {
    private static final ProcessBuilder.Redirect NO_INPUT = ProcessBuilder.Redirect.from(new File("/dev/null"));

    @TempDir
    Path dir;

    @Test
    void the_spool_of_an_empty_capture_is_the_next_captures_of_the_same_kind() {
        String first = spoolOfNextStdoutCapture(() -> { });
        String second = spoolOfNextStdoutCapture(() -> { });
        assertEquals(first, second, "device:inode of fd 1 inside two empty captures in a row");
    }

    @Test
    void a_spool_that_was_written_to_is_not_reused() {
        spoolOfNextStdoutCapture(() -> { }); // an idle one is there now, whatever ran before
        String written = spoolOfNextStdoutCapture(() -> NativeWriters.write(1, "x\n"));
        String next = spoolOfNextStdoutCapture(() -> { });
        assertNotEquals(written, next, "a spool with data came back for the next capture");
    }

    /**
     * A child still holds fd 1 when an empty capture closes: that spool stays
     * with its reader, the child's late line goes where fd 1 pointed before
     * (here an outer capture), and the next capture gets another spool, so the
     * late line never shows up in it.
     */
    @Test
    void a_spool_a_child_still_holds_at_close_is_not_reused_and_its_late_output_stays_out_of_the_next_capture()
            throws Exception {
        Path status = dir.resolve("status");
        Sink.Buffer outer = Sink.buffer();
        Sink.Buffer next = Sink.buffer();
        String held;
        String reused;
        try (Redirection o = NativeOutput.redirect().stdout(outer).start()) {
            Redirection first = NativeOutput.redirect().stdout(Sink.buffer()).closeTimeout(Duration.ofMillis(200))
                    .start();
            held = Fds.identity(1);
            int rc = new ProcessBuilder("sh", "-c", "(sleep 1; echo late; echo \"rc=$?\" > '" + status + "') &")
                    .redirectInput(NO_INPUT).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(dir.resolve("sh.err").toFile()).start().waitFor();
            assertEquals(0, rc);
            first.close();
            try (Redirection second = NativeOutput.redirect().stdout(next).start()) {
                reused = Fds.identity(1);
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                while (!(Files.exists(status) && size(status) > 0) && System.nanoTime() < until) {
                    Thread.sleep(20);
                }
                Thread.sleep(200);
            }
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!outer.text().contains("late") && System.nanoTime() < until) {
                Thread.sleep(20);
            }
        }
        String h = held;
        String r = reused;
        assertAll(
                () -> assertEquals("rc=0\n", Files.readString(status), "the child's echo exit status"),
                () -> assertNotEquals(h, r, "the spool a child still held was given to the next capture"),
                () -> assertEquals("", next.text(), "the next capture"),
                () -> assertEquals("late\n", outer.text(), "where fd 1 pointed before the first capture"));
    }

    /** device:inode of what fd 1 refers to inside a stdout capture running {@code body}. */
    private static String spoolOfNextStdoutCapture(Runnable body) {
        String[] id = new String[1];
        NativeOutput.tapStdout(() -> {
            id[0] = Fds.identity(1);
            body.run();
        });
        return id[0];
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }
}
