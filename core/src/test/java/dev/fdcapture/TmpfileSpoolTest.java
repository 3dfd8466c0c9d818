package dev.fdcapture;

import dev.fdcapture.internal.SpoolBacking;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The spool as an unnamed file in a directory ({@code -Ddev.fdcapture.spool=tmpfile:DIR},
 * {@code O_TMPFILE}) instead of a memfd, with the guarantees a memfd has and a
 * regular file does not give by itself: a child truncating it
 * ({@code > /dev/stdout}: no {@code F_SEAL_SHRINK} here) does not derail the
 * capture, a full filesystem drops the backlog (counted) instead of failing the
 * writers, and a directory that cannot hold one falls back to a memfd.
 */
class TmpfileSpoolTest extends FdLevelTest {
    private static final ProcessBuilder.Redirect NO_INPUT = ProcessBuilder.Redirect.from(new File("/dev/null"));

    @TempDir
    Path dir;

    @BeforeEach
    void spoolInTheTempDir() {
        System.setProperty(SpoolBacking.PROPERTY, "tmpfile:" + dir);
    }

    @AfterEach
    void backToTheDefault() {
        System.clearProperty(SpoolBacking.PROPERTY);
    }

    @Test
    void a_capture_spools_in_an_unnamed_file_in_the_directory_asked_for() throws Exception {
        String[] target = new String[1];
        Captured c = NativeOutput.capture(() -> {
            target[0] = Files.readSymbolicLink(Path.of("/proc/self/fd/1")).toString();
            NativeWriters.write(1, "out\n");
            NativeWriters.write(2, "err\n");
        });
        assertAll(
                () -> assertEquals("out\n", c.stdout()),
                () -> assertEquals("err\n", c.stderr()),
                () -> assertTrue(target[0].startsWith(dir.toRealPath() + "/#") && target[0].endsWith(" (deleted)"),
                        "fd 1 inside the capture: " + target[0]),
                () -> assertEquals(List.of(), listing(dir), "the spool has no name in the directory"));
    }

    @Test
    void a_child_started_with_inheritIO_is_captured_on_a_file_spool() throws Exception {
        Captured c = NativeOutput.capture(() -> {
            int rc = new ProcessBuilder("sh", "-c", "echo child out; echo child err >&2")
                    .inheritIO().redirectInput(NO_INPUT).start().waitFor();
            assertEquals(0, rc);
        });
        assertEquals("child out\n", c.stdout());
        assertEquals("child err\n", c.stderr());
    }

    /**
     * A regular file cannot be sealed, so {@code > /dev/stdout} in a child
     * truncates the spool and writes from its start. The reader notices (the
     * bytes it consumed last are not there any more) and reads again from the
     * new start: the child's line and everything after it arrive, in order.
     * What the reader had not read when the truncation came would be lost, so
     * here it has read everything before the child runs.
     */
    @Test
    void a_child_truncating_dev_stdout_is_noticed_and_the_capture_goes_on_from_the_new_start() throws Exception {
        StringBuffer lines = new StringBuffer();
        CountDownLatch first = new CountDownLatch(1);
        try (Redirection r = NativeOutput.redirect().stdout(Sink.lines(line -> {
            lines.append(line).append('\n');
            first.countDown();
        })).start()) {
            NativeWriters.write(1, "before\n");
            assertTrue(first.await(10, TimeUnit.SECONDS), "the first line never arrived");
            int rc = new ProcessBuilder("sh", "-c", "echo truncating > /dev/stdout; echo \"rc=$?\" >&2; "
                    + "echo appended >> /dev/stdout; echo after")
                    .inheritIO().redirectError(dir.resolve("sh.err").toFile()).redirectInput(NO_INPUT).start()
                    .waitFor();
            assertEquals(0, rc);
            NativeWriters.write(1, "parent after\n");
            r.close();
            assertEquals(0, r.droppedBytes());
        }
        assertAll(
                () -> assertEquals("rc=0\n", Files.readString(dir.resolve("sh.err")), "on a file, > succeeds"),
                () -> assertEquals("before\ntruncating\nappended\nafter\nparent after\n", lines.toString()));
    }

    @Test
    void a_directory_that_does_not_exist_or_cannot_hold_an_unnamed_file_falls_back_to_a_memfd() throws Exception {
        for (String where : List.of(dir.resolve("missing").toString(), "/proc")) {
            System.setProperty(SpoolBacking.PROPERTY, "tmpfile:" + where);
            String[] target = new String[1];
            String out = NativeOutput.tapStdout(() -> {
                target[0] = Files.readSymbolicLink(Path.of("/proc/self/fd/1")).toString();
                NativeWriters.write(1, "still captured\n");
            });
            assertEquals("still captured\n", out, where);
            assertTrue(target[0].startsWith("/memfd:fdcapture-stdout"), where + ": fd 1 was " + target[0]);
        }
    }

    @Test
    void an_unknown_spool_backing_is_an_error_that_names_the_property() {
        System.setProperty(SpoolBacking.PROPERTY, "disk");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NativeOutput.tapStdout(() -> { }));
        assertEquals("-Ddev.fdcapture.spool=disk: use memfd, tmpfile or tmpfile:DIR", e.getMessage());
    }

    /**
     * A 32 MiB filesystem (a tmpfs, mounted in a user namespace of a child JVM)
     * under a spool whose sink lets the backlog grow past it: without care the
     * writer's writes fail with ENOSPC. The reader keeps a quarter of the
     * filesystem free by dropping the backlog instead, counted like the backlog
     * limit: every write succeeds, and written = delivered + dropped.
     */
    @Test
    void a_full_filesystem_drops_the_backlog_counted_and_no_write_fails() throws Exception {
        assumeTrue(userNamespaces(), "unshare -Urm is not allowed here");
        Path small = Files.createDirectory(dir.resolve("small"));
        System.clearProperty(SpoolBacking.PROPERTY);
        List<String> command = new java.util.ArrayList<>(List.of("unshare", "-Urm"));
        command.addAll(ChildJvm.inShell("mount -t tmpfs -o size=32m fdcapture-small '" + small + "' && exec \"$@\"",
                ChildJvm.command(List.of("-D" + SpoolBacking.PROPERTY + "=tmpfile:" + small), FullDiskChild.class,
                        "5")));
        ChildJvm.Result r = ChildJvm.run(dir, Duration.ofSeconds(60), command);
        assertEquals(0, r.exitCode(), r::toString);
        long written = r.getLong("written");
        long delivered = r.getLong("delivered");
        long dropped = r.getLong("dropped");
        assertAll(
                () -> assertTrue(r.get("spool").startsWith(small + "/#"), "fd 1 was " + r.get("spool")),
                () -> assertEquals(0, r.getLong("failedWrites"), "failed writes (errno " + r.get("errno") + ")"),
                () -> assertTrue(written > 64L << 20, "written " + written + ": more than the filesystem holds"),
                () -> assertTrue(dropped > 0, "nothing dropped"),
                () -> assertEquals(written, delivered + dropped, "written = delivered + dropped"));
    }

    private static boolean userNamespaces() throws Exception {
        try {
            Process p = new ProcessBuilder("unshare", "-Urm", "true").redirectErrorStream(true)
                    .redirectInput(NO_INPUT).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static List<String> listing(Path d) throws Exception {
        try (var s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
