package dev.fdcapture;

import com.sun.jna.Pointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The periodic stdio flush runs on a thread of its own while the application
 * writes. glibc's {@code dprintf} formats into a temporary stream that has no
 * lock and sits in the list {@code fflush(NULL)} walks: a flush of every stream
 * at that moment wrote the same bytes as the {@code dprintf} itself (a line
 * logged twice, or garbled as {@code "direct line direct line 7"}). The periodic
 * flush therefore flushes {@code stdout} and {@code stderr} only, under their locks.
 */
class PeriodicFlushTest extends FdLevelTest {

    @Test
    void a_thread_calling_dprintf_while_the_periodic_flush_runs_gets_each_line_once_and_whole() throws Exception {
        int lines = 20_000;
        List<String> got = new ArrayList<>();
        try (Redirection r = NativeOutput.redirect().stderr(Sink.lines(got::add))
                .flushInterval(Duration.ofMillis(1)).start()) {
            Thread writer = new Thread(() -> {
                for (int i = 0; i < lines; i++) {
                    NativeWriters.dprintf(2, "direct line " + i + "\n");
                }
            }, "dprintf-writer");
            writer.start();
            writer.join();
        }
        Map<String, Long> counts = got.stream().collect(Collectors.groupingBy(l -> l, Collectors.counting()));
        List<String> wrong = got.stream()
                .filter(l -> !l.matches("direct line \\d+") || counts.get(l) > 1)
                .distinct().limit(5).map(l -> "\"" + l + "\" x" + counts.get(l)).collect(Collectors.toList());
        assertEquals(List.of(), wrong, "doubled or garbled lines, of " + got.size());
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < lines; i++) {
            expected.add("direct line " + i);
        }
        assertTrue(expected.equals(got), "lines missing or out of order");
    }

    @Test
    void the_periodic_flush_leaves_stdio_streams_other_than_stdout_and_stderr_alone(@TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("own-stream.txt");
        Sink.Buffer out = Sink.buffer();
        try (Redirection r = NativeOutput.redirect().stdout(out).flushInterval(Duration.ofMillis(10)).start()) {
            // Opened after start(), whose own flush of every stream would have emptied it.
            Pointer own = NativeWriters.fopen(file.toString(), "w");
            try {
                NativeWriters.fputs("stays in its buffer", own);
                NativeWriters.printf("flushed by the periodic flush");
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (out.size() == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertEquals("flushed by the periodic flush", out.text(), "stdout was not flushed periodically");
                // Several more intervals: had the flush walked every stream, it would have written this one.
                Thread.sleep(50);
                assertEquals(0, Files.size(file), "the periodic flush wrote another stream's buffer");
            } finally {
                NativeWriters.fclose(own);
            }
        }
        assertEquals("stays in its buffer", Files.readString(file));
        assertTrue(out.text().startsWith("flushed by the periodic flush"));
    }
}
