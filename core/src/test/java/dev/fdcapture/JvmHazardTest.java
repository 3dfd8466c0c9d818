package dev.fdcapture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HAZARDS.md item 4 (the JVM itself writes to fd 1 inside a safepoint) and the
 * JVM's own output, each in a separate JVM started by {@link ChildJvm}: a
 * deadlock there must fail this test, not hang the build.
 */
class JvmHazardTest {
    private static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";
    private static final int GC_SECONDS = 20;

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void a_native_bulk_writer_with_allocation_and_gc_logging_to_stdout_for_20_s_neither_deadlocks_nor_loses_bytes()
            throws Exception {
        Path captured = dir.resolve("captured.txt");
        Path gcLog = dir.resolve("gc.log");
        // The same GC log goes to stdout (captured) and to a file (the reference).
        ChildJvm.Result child = ChildJvm.run(dir, Duration.ofSeconds(100),
                List.of(NATIVE_ACCESS, "-XX:+UseG1GC", "-Xmx64m", "-Xlog:gc*:stdout", "-Xlog:gc*:file=" + gcLog),
                "gc", Integer.toString(GC_SECONDS), captured.toString());

        assertEquals(0, child.exitCode(), child::toString);
        long written = child.getLong("written");
        assertAll(child.toString(),
                () -> assertTrue(written >= 100L << 20, "the bulk writer wrote only " + written + " bytes"),
                () -> assertEquals(0, child.getLong("dropped"), "bytes dropped under the default backlog limit"),
                () -> assertEquals(written, child.getLong("bulk"), "bulk bytes delivered"));

        List<String> inCapture = Files.readAllLines(captured);
        List<String> reference = Files.readAllLines(gcLog);
        // The window: the full GCs the child forced right after start() and right before close().
        List<Integer> marks = inCapture.stream().filter(l -> l.contains("Pause Full (System.gc())"))
                .map(JvmHazardTest::gcId).toList();
        assertTrue(marks.size() >= 2, () -> "the two System.gc() marks are not in the capture: " + marks
                + "\n" + child + "\n--- captured (head) ---\n" + head(inCapture));
        int first = marks.get(0);
        int last = marks.get(marks.size() - 1);
        TreeSet<Integer> idsCaptured = idsBetween(inCapture, first, last);
        TreeSet<Integer> idsLogged = idsBetween(reference, first, last);
        Set<String> capturedLines = new HashSet<>(inCapture);
        List<String> pausesMissing = reference.stream()
                .filter(l -> l.contains(" Pause ") && gcId(l) >= first && gcId(l) <= last)
                .filter(l -> !capturedLines.contains(l)).toList();
        long gcLines = inCapture.stream().filter(l -> l.contains("][gc")).count();
        assertAll(
                () -> assertTrue(last - first >= 10, "too little GC to mean anything: GC(" + first + ") to GC(" + last + ")"),
                () -> assertTrue(gcLines > 100, "only " + gcLines + " GC log lines captured"),
                () -> assertEquals(idsLogged, idsCaptured, "GC ids in the window: logged to the file vs captured"),
                () -> assertEquals(List.of(), pausesMissing, "pause lines logged to the file but not captured"));
    }

    private static final Pattern GC_ID = Pattern.compile("GC\\((\\d+)\\)");

    private static int gcId(String line) {
        Matcher m = GC_ID.matcher(line);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    private static TreeSet<Integer> idsBetween(List<String> lines, int first, int last) {
        TreeSet<Integer> ids = new TreeSet<>();
        for (String l : lines) {
            int id = gcId(l);
            if (id >= first && id <= last) {
                ids.add(id);
            }
        }
        return ids;
    }

    private static String head(List<String> lines) {
        return String.join("\n", lines.subList(0, Math.min(40, lines.size())));
    }

    @Test
    @Timeout(120)
    void a_kill_3_thread_dump_of_more_than_1_MiB_during_a_native_bulk_writer_completes_and_is_captured()
            throws Exception {
        int threads = 2000;
        ChildJvm.Result child = ChildJvm.run(dir, Duration.ofSeconds(100),
                List.of(NATIVE_ACCESS, "-Xmx128m"), "dump", Integer.toString(threads));

        assertEquals(0, child.exitCode(), child::toString);
        assertAll(child.toString(),
                () -> assertEquals(0, child.getLong("killRc"), "kill -3 failed"),
                () -> assertEquals("true", child.get("complete"), "the dump's last line never arrived"),
                () -> assertEquals("true", child.get("fullThreadDump"), "no 'Full thread dump' in the capture"),
                () -> assertTrue(child.getLong("dumpBytes") > 1 << 20,
                        "the dump is only " + child.getLong("dumpBytes") + " bytes"),
                () -> assertEquals(threads, child.getLong("parkersSeen"), "parked threads in the captured dump"),
                () -> assertEquals(0, child.getLong("dropped"), "bytes dropped under the default backlog limit"),
                () -> assertEquals(child.getLong("written"), child.getLong("bulk"), "bulk bytes delivered"));
        assertTrue(!child.stdout().contains("Full thread dump"),
                () -> "the dump escaped the capture to the real stdout\n" + child);
    }

    @Test
    @Timeout(60)
    void system_out_and_system_err_of_a_jvm_where_nobody_replaced_them_are_captured() throws Exception {
        // Surefire replaces System.out in its forked JVM, so this needs a plain one.
        ChildJvm.Result child = ChildJvm.run(dir, Duration.ofSeconds(50), List.of(NATIVE_ACCESS), "streams");

        assertEquals(0, child.exitCode(), child::toString);
        assertEquals(HazardChild.escape("java out\nnative out\njava partial"), child.get("stdout"), child::toString);
        assertEquals(HazardChild.escape("java err\n"), child.get("stderr"), child::toString);
        assertTrue(child.stdout().lines().noneMatch(l -> l.startsWith("java ")),
                () -> "Java's output escaped the capture to the real stdout\n" + child);
        assertTrue(child.stderr().lines().noneMatch(l -> l.startsWith("java ")),
                () -> "Java's output escaped the capture to the real stderr\n" + child);
    }
}
