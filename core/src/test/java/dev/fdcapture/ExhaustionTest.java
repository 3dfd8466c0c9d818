package dev.fdcapture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 7 point 9: resource exhaustion, for real, in child JVMs. Each resource
 * that runs out gets a CaptureException naming the call and errno, or a working
 * fallback; never a leak, never an fd left pointing at a dead spool.
 */
class ExhaustionTest {
    @TempDir
    Path dir;

    private Map<String, String> run(List<String> wrapper, String... args) throws Exception {
        Path results = dir.resolve("results.txt");
        List<String> java = ChildJvm.command(List.of("-Dfdcapture.results=" + results,
                "--enable-native-access=ALL-UNNAMED"), HostileChild.class, args);
        List<String> command = new ArrayList<>(wrapper);
        command.addAll(java);
        ChildJvm.Result child = ChildJvm.run(dir, Duration.ofSeconds(100), command);
        Map<String, String> r = ChildJvm.results(results);
        r.put("child", child.toString());
        assertEquals(0, child.exitCode(), () -> child + "\n--- results ---\n" + r);
        assertEquals("true", r.get("done"), () -> child + "\n--- results ---\n" + r);
        return r;
    }

    @Test
    @Timeout(120)
    void out_of_descriptors_every_capture_works_or_names_the_call_and_emfile_and_nothing_leaks() throws Exception {
        Map<String, String> r = run(List.of("sh", "-c", "ulimit -n 256 && exec \"$@\"", "sh"), "emfile");
        String where = r.toString();
        int failures = 0;
        for (int free = 0; free <= 16; free++) {
            String outcome = r.get("free" + free);
            if (outcome == null) {
                break;
            }
            assertTrue(!outcome.contains("NOT RESTORED"), where);
            if (!outcome.equals("ok")) {
                failures++;
                assertTrue(outcome.matches("CaptureException call=\\S+\\(.* errno=24 message=.* failed: EMFILE \\(.*"),
                        () -> "neither a working capture nor a named EMFILE: " + outcome + "\n" + where);
            }
        }
        int allFailures = failures;
        System.out.println("EMFILE outcomes, descriptor by descriptor: " + where.replaceAll(", child=.*", ""));
        assertAll(where,
                () -> assertTrue(allFailures > 0, "with no descriptor free, a capture must fail"),
                () -> assertTrue(Integer.parseInt(r.get("ok")) > 0, "with enough descriptors free, captures work"),
                () -> assertEquals("0", r.get("leaked"), "descriptors leaked"),
                () -> assertEquals("true", r.get("inotifyWithinReaders"), "an inotify instance per reader thread"),
                () -> assertEquals("out\\n", r.get("after"), "the next capture once descriptors are back"));
    }

    @Test
    @Timeout(120)
    void with_no_inotify_instance_left_capture_delivers_everything_by_polling() throws Exception {
        // A user namespace of its own, with its own small limit: taking every instance
        // there leaves the other processes of this user theirs. Without user namespaces,
        // the child takes every instance of this user for the few seconds it runs.
        List<String> wrapper = userNamespaces()
                ? List.of("unshare", "-r", "sh", "-c", "echo 8 > /proc/sys/user/max_inotify_instances && exec \"$@\"",
                        "sh")
                : List.of();
        Map<String, String> r = run(wrapper, "inotify");
        assertAll(r.toString(),
                () -> assertTrue(r.get("exhausted") != null, "the child did not run out of inotify instances"),
                () -> assertEquals("complete", r.get("stdout")),
                () -> assertEquals("complete", r.get("stderr")),
                () -> assertEquals(Integer.toString(1 << 20), r.get("merged")));
    }

    @Test
    @Timeout(120)
    void with_proc_self_fd_unavailable_a_spool_capture_names_the_open_and_one_without_a_spool_works()
            throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(userNamespaces(),
                "needs unprivileged user and mount namespaces (unshare -rm) to hide /proc/self/fd");
        Map<String, String> r = run(List.of("unshare", "-rm", "--fork", "sh", "-c",
                "mount -t tmpfs none /proc/$$/fd && exec \"$@\"", "sh"), "noproc", dir.toString());
        assertAll(r.toString(),
                () -> assertEquals("true", r.get("supported")),
                () -> assertTrue(r.get("capture").matches("call=open\\(\"/proc/self/fd/\\d+\", O_WRONLY\\|O_APPEND\\|O_CLOEXEC\\)"
                        + " errno=2"), r.get("capture")),
                () -> assertTrue(r.get("message").endsWith("failed: ENOENT (No such file or directory)"), r.get("message")),
                () -> assertEquals("true", r.get("restored")),
                () -> assertEquals("to the file itself\\n", r.get("file")),
                () -> assertEquals("0", r.get("leaked")));
    }

    private static boolean userNamespaces() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("unshare", "-rm", "true").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    }
}
