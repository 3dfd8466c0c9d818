package dev.fdcapture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Child processes and the redirected fds (issue 2 points 1, 9 and 10;
 * HAZARDS.md items 5 and 6, and the memfd's "children see a regular file").
 * Real children: {@code sh}, {@code ls}, started by {@link ProcessBuilder}.
 */
@Timeout(30)
class ChildProcessTest {
    private static final ProcessBuilder.Redirect NO_INPUT = ProcessBuilder.Redirect.from(new File("/dev/null"));

    @TempDir
    Path dir;

    @Test
    void a_child_started_with_inheritIO_writes_into_the_capture_on_both_fds() throws Exception {
        String before1 = Fds.identity(1);
        String before2 = Fds.identity(2);
        Captured c = NativeOutput.capture(() -> {
            NativeWriters.write(1, "parent before\n");
            int rc = shell("echo child out; echo child err >&2; printf 'no newline'")
                    .inheritIO().redirectInput(NO_INPUT).start().waitFor();
            assertEquals(0, rc);
            NativeWriters.write(1, "\nparent after\n");
        });
        assertEquals("parent before\nchild out\nno newline\nparent after\n", c.stdout());
        assertEquals("child err\n", c.stderr());
        assertEquals(before1, Fds.identity(1));
        assertEquals(before2, Fds.identity(2));
    }

    /**
     * Point 9: the grandchild keeps fd 1 long after its parent exited and after
     * the redirection closed. Nested in an outer capture, so "where the fd pointed
     * before" is a buffer this test can read instead of Surefire's stdout.
     */
    @Test
    void a_grandchild_that_outlives_the_redirection_neither_holds_up_close_nor_fails_and_its_late_output_goes_to_the_previous_target()
            throws Exception {
        Path status = dir.resolve("status");
        Duration closeTimeout = Duration.ofMillis(300);
        String before = Fds.identity(1);
        Sink.Buffer outer = Sink.buffer();
        Sink.Buffer inner = Sink.buffer();
        long closeMillis;
        try (Redirection o = NativeOutput.redirect().stdout(outer).start()) {
            Redirection i = NativeOutput.redirect().stdout(inner).closeTimeout(closeTimeout).start();
            NativeWriters.write(1, "inner early\n");
            int rc = shell("(sleep 3; echo late from grandchild; echo \"rc=$?\" > '" + status + "') & echo child exits")
                    .redirectInput(NO_INPUT).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(dir.resolve("sh.err").toFile()).start().waitFor();
            assertEquals(0, rc);
            long t0 = System.nanoTime();
            i.close();
            closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

            awaitTrue(Duration.ofSeconds(15), () -> Files.exists(status) && size(status) > 0);
            // The lingering reader forwards the late line to the outer capture.
            awaitTrue(Duration.ofSeconds(5), () -> outer.text().contains("late from grandchild"));
        }
        long close = closeMillis;
        assertAll(
                () -> assertTrue(close < closeTimeout.toMillis() + 1500,
                        "close() took " + close + " ms with closeTimeout " + closeTimeout.toMillis() + " ms"),
                () -> assertEquals("inner early\nchild exits\n", inner.text(), "inner capture"),
                () -> assertEquals("late from grandchild\n", outer.text(), "outer capture (the fd's previous target)"),
                () -> assertEquals("rc=0\n", Files.readString(status), "the grandchild's echo exit status"),
                () -> assertEquals(before, Fds.identity(1)));
    }

    /**
     * Issue 7 point 7: closeTimeout is one deadline for the whole close(), not one
     * per fd. A grandchild holding both fd 1 and fd 2 made close() wait it out
     * once per reader, one after the other (2-3 s with the 1 s default).
     */
    @Test
    void close_waits_for_a_grandchild_holding_both_fds_once_not_once_per_fd() throws Exception {
        Path pid = dir.resolve("pid");
        Duration closeTimeout = Duration.ofMillis(1500);
        long closeMillis;
        Redirection r = NativeOutput.redirect().stdout(Sink.buffer()).stderr(Sink.buffer())
                .closeTimeout(closeTimeout).start();
        try {
            // The grandchild holds both spools and writes nothing.
            int rc = shell("sleep 30 & echo $! > '" + pid + "'").inheritIO().redirectInput(NO_INPUT).start().waitFor();
            assertEquals(0, rc);
        } finally {
            long t0 = System.nanoTime();
            r.close();
            closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            kill(pid);
        }
        assertTrue(closeMillis >= closeTimeout.toMillis() - 100 && closeMillis < 2 * closeTimeout.toMillis() - 300,
                "close() took " + closeMillis + " ms with closeTimeout " + closeTimeout.toMillis() + " ms");
    }

    private static void kill(Path pidFile) throws Exception {
        if (Files.exists(pidFile)) {
            String pid = Files.readString(pidFile).trim();
            new ProcessBuilder("kill", pid).redirectInput(NO_INPUT).start().waitFor();
            // Its readers notice it gone and let go of the spools.
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false)
                    && System.nanoTime() < end) {
                Thread.sleep(10);
            }
        }
    }

    /**
     * A grandchild still holding fd 1 when close() begins, that meanwhile opens
     * {@code /dev/stdout} itself ({@code >>}, as scripts do): closing that second
     * open file description must not be taken for the end of the stream.
     */
    @Test
    void a_grandchild_that_reopens_dev_stdout_during_close_does_not_end_the_capture_early() throws Exception {
        Path status = dir.resolve("status");
        Sink.Buffer outer = Sink.buffer();
        Sink.Buffer inner = Sink.buffer();
        long closeMillis;
        try (Redirection o = NativeOutput.redirect().stdout(outer).start()) {
            Redirection i = NativeOutput.redirect().stdout(inner).closeTimeout(Duration.ofSeconds(10)).start();
            int rc = shell("(sleep 0.3; echo reopened >> /dev/stdout; sleep 0.7; echo after reopen; "
                    + "echo \"rc=$?\" > '" + status + "') &")
                    .redirectInput(NO_INPUT).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(dir.resolve("sh.err").toFile()).start().waitFor();
            assertEquals(0, rc);
            long t0 = System.nanoTime();
            i.close();
            closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            awaitTrue(Duration.ofSeconds(10), () -> Files.exists(status) && size(status) > 0);
            Thread.sleep(300);
        }
        long close = closeMillis;
        String where = "inner=" + HazardChild.escape(inner.text()) + " outer=" + HazardChild.escape(outer.text())
                + " close took " + close + " ms";
        assertAll(
                () -> assertEquals("rc=0\n", Files.readString(status), "the grandchild's echo exit status"),
                () -> assertTrue((inner.text() + outer.text()).contains("after reopen"),
                        "the grandchild's last line reached neither capture: " + where),
                () -> assertEquals("reopened\nafter reopen\n", inner.text(),
                        "written within closeTimeout, so it belongs to the inner capture: " + where));
    }

    /**
     * The memfd is a regular file to a child: {@code > /dev/stdout} opens it with
     * O_TRUNC. The spool is sealed against shrinking, so the child gets an error
     * and what was captured before survives; {@code >>} works.
     */
    @Test
    void a_child_truncating_dev_stdout_gets_an_error_and_earlier_captured_output_is_not_lost() throws Exception {
        Captured c = NativeOutput.capture(() -> {
            NativeWriters.write(1, "before\n");
            int rc = shell("echo truncating > /dev/stdout; echo \"rc=$?\" >&2; "
                    + "echo appended >> /dev/stdout; echo after")
                    .inheritIO().redirectInput(NO_INPUT).start().waitFor();
            assertEquals(0, rc);
            NativeWriters.write(1, "parent after\n");
        });
        assertEquals("before\nappended\nafter\nparent after\n", c.stdout(), () -> "stderr: " + c.stderr());
        assertFalse(c.stderr().contains("rc=0"), () -> "the truncating open succeeded: " + c.stderr());
        assertTrue(c.stderr().matches("(?s).*rc=[1-9]\\d*\n"), c::stderr);
    }

    /** HAZARDS.md item 6: a child sees none of the library's memfds, inotify instances or saved copies. */
    @Test
    void a_child_started_during_a_capture_inherits_no_internal_descriptor() throws Exception {
        Map<Integer, String> without = childFds();
        Map<Integer, String> with;
        Sink.Buffer merged = Sink.buffer();
        try (Redirection both = NativeOutput.redirect().stdout(Sink.tee(merged, Sink.file(dir.resolve("tee"))))
                .stderr(Sink.intoStdout()).start();
             Redirection err = NativeOutput.redirect().stderr(Sink.buffer()).start()) {
            with = childFds();
            ProcessBuilder ls = new ProcessBuilder("ls", "-l", "/proc/self/fd/")
                    .inheritIO().redirectInput(NO_INPUT).redirectError(ProcessBuilder.Redirect.INHERIT);
            assertEquals(0, ls.start().waitFor());
        }
        Map<Integer, String> inherited = parseLs(merged.text());
        assertEquals(without.keySet(), with.keySet(),
                () -> "descriptors of a child without a capture " + without + " and during one " + with);
        for (String target : with.values()) {
            assertFalse(internal(target), () -> "a child inherited " + target + ": " + with);
        }
        // Started with inheritIO: its fd 1 is the spool (that is the capture); nothing else is.
        Map<Integer, String> seen = inherited;
        assertTrue(seen.getOrDefault(1, "").contains("memfd:fdcapture"), () -> "fd 1 of the child: " + seen);
        assertEquals(without.keySet(), seen.keySet(), () -> "descriptors of an inheritIO child: " + seen);
        seen.forEach((fd, target) -> {
            if (fd > 2) {
                assertFalse(internal(target), () -> "an inheritIO child inherited fd " + fd + " -> " + target);
            }
        });
    }

    /** Point 10, checked at the source: every descriptor a redirection opens carries FD_CLOEXEC. */
    @Test
    void every_descriptor_a_redirection_opens_is_close_on_exec() throws Exception {
        Map<Integer, String> before = ownFds();
        Map<Integer, String> opened = new TreeMap<>();
        Map<Integer, Long> flags = new TreeMap<>();
        try (Redirection both = NativeOutput.redirect().stdout(Sink.tee(Sink.buffer(), Sink.file(dir.resolve("tee"))))
                .stderr(Sink.intoStdout()).start();
             Redirection err = NativeOutput.redirect().stderr(Sink.lines(l -> { })).start();
             Redirection out = NativeOutput.redirect().stdout(Sink.appendTo(dir.resolve("direct"))).start()) {
            NativeWriters.write(1, "x\n");
            ownFds().forEach((fd, target) -> {
                // Reader threads keep their inotify instance from capture to capture,
                // so it may predate this test: check those too.
                if (!target.equals(before.get(fd)) || target.contains("inotify")) {
                    opened.put(fd, target);
                }
            });
            for (int fd : opened.keySet()) {
                long f = fdinfoFlags(fd);
                if (fd > 2 && f >= 0) {
                    flags.put(fd, f);
                }
            }
        }
        assertTrue(opened.values().stream().anyMatch(t -> t.contains("memfd:fdcapture")), opened::toString);
        assertTrue(opened.values().stream().anyMatch(t -> t.contains("inotify")), opened::toString);
        assertTrue(flags.size() >= 6, () -> "too few descriptors checked: " + opened);
        flags.forEach((fd, f) -> assertTrue((f & 02000000) != 0,
                () -> "fd " + fd + " -> " + opened.get(fd) + " has flags 0" + Long.toOctalString(f)
                        + ", without O_CLOEXEC"));
    }

    private static boolean internal(String target) {
        return target.contains("memfd:") || target.contains("inotify");
    }

    /** fd number to target of a child's descriptors, the child's own fd 0-2 being pipes. */
    private static Map<Integer, String> childFds() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ls", "-l", "/proc/self/fd/").redirectInput(NO_INPUT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return parseLs(out);
    }

    private static Map<Integer, String> parseLs(String listing) {
        Map<Integer, String> fds = new TreeMap<>();
        for (String line : listing.split("\n")) {
            int arrow = line.indexOf(" -> ");
            if (arrow < 0) {
                continue;
            }
            String[] head = line.substring(0, arrow).trim().split("\\s+");
            fds.put(Integer.parseInt(head[head.length - 1]), line.substring(arrow + 4));
        }
        return fds;
    }

    private static Map<Integer, String> ownFds() throws IOException {
        Map<Integer, String> fds = new TreeMap<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : s.toList()) {
                try {
                    fds.put(Integer.parseInt(p.getFileName().toString()), Files.readSymbolicLink(p).toString());
                } catch (IOException gone) {
                    // closed meanwhile (the directory stream's own descriptor, for one)
                }
            }
        }
        return fds;
    }

    /** The open flags of one of our descriptors, or -1 if it was closed meanwhile (a directory stream's, say). */
    private static long fdinfoFlags(int fd) throws IOException {
        List<String> info;
        try {
            info = Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd));
        } catch (NoSuchFileException gone) {
            return -1;
        }
        for (String line : info) {
            if (line.startsWith("flags:")) {
                return Long.parseLong(line.substring(6).trim(), 8);
            }
        }
        throw new IllegalStateException("no flags in /proc/self/fdinfo/" + fd);
    }

    private static ProcessBuilder shell(String script) {
        return new ProcessBuilder("sh", "-c", script);
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    private static void awaitTrue(Duration max, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                fail("not true within " + max);
            }
            Thread.sleep(20);
        }
    }
}
