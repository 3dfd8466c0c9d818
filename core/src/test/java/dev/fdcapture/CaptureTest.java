package dev.fdcapture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The entry points and sinks, with libc writing through FFM. */
class CaptureTest extends FdLevelTest {

    @Test
    void capture_separates_native_stdout_and_stderr() {
        Captured c = NativeOutput.capture(() -> {
            NativeWriters.write(1, "raw write\n");
            NativeWriters.fprintfStderr("fprintf to stderr\n");
            NativeWriters.puts("puts");
        });
        assertEquals("raw write\nputs\n", c.stdout());
        assertEquals("fprintf to stderr\n", c.stderr());
    }

    @Test
    void stdio_output_still_buffered_at_close_is_flushed_into_the_capture() {
        // fd 1 is not a terminal, so stdio buffers this without a newline.
        String out = NativeOutput.tapStdout(() -> NativeWriters.printf("no newline, still in the buffer"));
        assertEquals("no newline, still in the buffer", out);
    }

    @Test
    void stdio_output_buffered_before_the_capture_is_not_captured_as_new() {
        Captured c;
        Sink.Buffer outer = Sink.buffer();
        try (Redirection r = NativeOutput.redirect().stdout(outer).start()) {
            NativeWriters.printf("before ");
            c = NativeOutput.capture(() -> NativeWriters.printf("during"));
        }
        assertEquals("during", c.stdout());
        assertEquals("before ", outer.text());
    }

    @Test
    void buffered_stdio_output_shows_up_within_the_flush_interval_while_active() throws Exception {
        Sink.Buffer out = Sink.buffer();
        try (Redirection r = NativeOutput.redirect().stdout(out).flushInterval(Duration.ofMillis(50)).start()) {
            NativeWriters.printf("waiting in the stdio buffer");
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (out.size() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals("waiting in the stdio buffer", out.text(), "not flushed while the capture was active");
        }
    }

    @Test
    void java_streams_on_fd_1_and_2_are_captured_too() {
        // What the JVM's own System.out and System.err are made of (Surefire has
        // replaced those two in this JVM; a separate-JVM test covers the originals).
        var out = new java.io.PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true);
        var err = new java.io.PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.err), true);
        Captured c = NativeOutput.capture(() -> {
            out.print("java out");
            err.print("java err");
        });
        assertEquals("java out", c.stdout());
        assertEquals("java err", c.stderr());
    }

    @Test
    void merged_capture_keeps_the_exact_order_of_writes_across_both_fds() {
        String merged = NativeOutput.captureMerged(() -> {
            for (int i = 0; i < 1000; i++) {
                NativeWriters.write(i % 2 == 0 ? 1 : 2, i + "\n");
            }
        });
        String expected = IntStream.range(0, 1000).mapToObj(i -> i + "\n").collect(Collectors.joining());
        assertEquals(expected, merged);
    }

    @Test
    void into_stdout_keeps_the_order_with_a_line_sink() throws Exception {
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        try (Redirection r = NativeOutput.redirect()
                .stdout(Sink.lines(lines::add)).stderr(Sink.intoStdout()).start()) {
            NativeWriters.write(1, "out 1\n");
            NativeWriters.fprintfStderr("err 2\n");
            NativeWriters.write(1, "out 3\n");
        }
        assertEquals(List.of("out 1", "err 2", "out 3"), lines);
    }

    @Test
    void tap_stdout_leaves_stderr_alone() {
        Sink.Buffer err = Sink.buffer();
        String out;
        try (Redirection r = NativeOutput.redirect().stderr(err).start()) {
            out = NativeOutput.tapStdout(() -> {
                NativeWriters.write(1, "to stdout\n");
                NativeWriters.write(2, "to stderr\n");
            });
        }
        assertEquals("to stdout\n", out);
        assertEquals("to stderr\n", err.text());
    }

    @Test
    void tap_stderr_leaves_stdout_alone() {
        Sink.Buffer outer = Sink.buffer();
        String err;
        try (Redirection r = NativeOutput.redirect().stdout(outer).start()) {
            err = NativeOutput.tapStderr(() -> {
                NativeWriters.write(1, "to stdout\n");
                NativeWriters.write(2, "to stderr\n");
            });
        }
        assertEquals("to stderr\n", err);
        assertEquals("to stdout\n", outer.text());
    }

    @Test
    void silence_sends_both_fds_to_dev_null() throws Exception {
        Captured around = NativeOutput.capture(() -> NativeOutput.silence(() -> {
            NativeWriters.write(1, "gone\n");
            NativeWriters.write(2, "gone too\n");
            assertEquals("/dev/null", Files.readSymbolicLink(Path.of("/proc/self/fd/1")).toString());
        }));
        assertEquals("", around.stdout());
        assertEquals("", around.stderr());
    }

    @Test
    void file_truncates_and_append_to_appends_with_the_file_itself_as_the_fd(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("out.txt");
        Files.writeString(file, "old content that is longer\n");
        try (Redirection r = NativeOutput.redirect().stdout(Sink.file(file)).start()) {
            assertEquals(file.toRealPath(), Files.readSymbolicLink(Path.of("/proc/self/fd/1")));
            NativeWriters.write(1, "first\n");
        }
        try (Redirection r = NativeOutput.redirect().stdout(Sink.appendTo(file))
                .stderr(Sink.intoStdout()).start()) {
            NativeWriters.write(1, "second\n");
            NativeWriters.write(2, "third\n");
        }
        assertEquals("first\nsecond\nthird\n", Files.readString(file));
    }

    @Test
    void a_file_in_a_tee_is_written_by_the_reader(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tee.txt");
        Sink.Buffer buffer = Sink.buffer();
        try (Redirection r = NativeOutput.redirect().stdout(Sink.tee(buffer, Sink.file(file))).start()) {
            NativeWriters.puts("both");
        }
        assertEquals("both\n", buffer.text());
        assertEquals("both\n", Files.readString(file));
    }

    @Test
    void stream_gets_the_raw_bytes_and_is_flushed_not_closed() {
        var closed = new boolean[1];
        ByteArrayOutputStream bytes = new ByteArrayOutputStream() {
            @Override
            public void close() {
                closed[0] = true;
            }
        };
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        try (Redirection r = NativeOutput.redirect().stdout(Sink.stream(bytes)).start()) {
            NativeWriters.write(1, all);
        }
        assertEquals(256, bytes.size());
        assertTrue(java.util.Arrays.equals(all, bytes.toByteArray()));
        assertTrue(!closed[0], "the stream belongs to the caller");
    }

    @Test
    void original_in_a_tee_echoes_to_the_saved_fd_once_and_never_loops_back() {
        // The outer capture stands for the terminal: what the inner one echoes
        // to "original" must arrive there exactly once.
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        String terminal = NativeOutput.tapStdout(() -> {
            try (Redirection r = NativeOutput.redirect()
                    .stdout(Sink.tee(Sink.lines(lines::add), Sink.original())).start()) {
                for (int i = 0; i < 2000; i++) {
                    NativeWriters.write(1, "line " + i + "\n");
                }
            }
        });
        String expected = IntStream.range(0, 2000).mapToObj(i -> "line " + i + "\n").collect(Collectors.joining());
        assertEquals(expected, terminal);
        assertEquals(2000, lines.size());
    }

    @Test
    void original_alone_leaves_the_fd_untouched() {
        String before = Fds.identity(1);
        try (Redirection r = NativeOutput.redirect().stdout(Sink.original()).start()) {
            assertEquals(before, Fds.identity(1));
        }
    }

    @Test
    void a_configured_charset_decodes_lines_and_buffer_text() {
        Sink.Buffer buffer = Sink.buffer();
        List<String> lines = new ArrayList<>();
        try (Redirection r = NativeOutput.redirect().stdout(Sink.tee(buffer, Sink.lines(lines::add)))
                .charset(StandardCharsets.ISO_8859_1).start()) {
            NativeWriters.write(1, new byte[] {'c', 'a', 'f', (byte) 0xe9, '\n'});
        }
        assertEquals("café\n", buffer.text());
        assertEquals(List.of("café"), lines);
    }

    @Test
    void a_character_split_across_two_writes_decodes_whole_in_lines_and_text() throws Exception {
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
        Sink.Buffer buffer = Sink.buffer();
        List<String> lines = new ArrayList<>();
        try (Redirection r = NativeOutput.redirect().stdout(Sink.tee(buffer, Sink.lines(lines::add))).start()) {
            NativeWriters.write(1, new byte[] {euro[0], euro[1]});
            Thread.sleep(50); // let the reader take the first half on its own
            NativeWriters.write(1, new byte[] {euro[2], '\n', (byte) 0xc3, '\n'});
        }
        assertEquals(List.of("€", "\uFFFD"), lines);
        assertEquals("€\n\uFFFD\n", buffer.text());
    }

    @Test
    void lines_keep_blanks_and_crlf_and_deliver_the_last_partial_line_at_close() {
        List<String> lines = new ArrayList<>();
        try (Redirection r = NativeOutput.redirect().stdout(Sink.lines(lines::add)).start()) {
            NativeWriters.write(1, "a\r\n\n\nb\nno end");
        }
        assertEquals(List.of("a", "", "", "b", "no end"), lines);
    }

    @Test
    void a_long_line_comes_in_pieces_of_the_configured_length() {
        List<String> lines = new ArrayList<>();
        String line = "x".repeat(10_000);
        try (Redirection r = NativeOutput.redirect().stdout(Sink.lines(lines::add)).maxLineLength(4096).start()) {
            NativeWriters.write(1, line + "\n");
        }
        assertEquals(List.of("x".repeat(4096), "x".repeat(4096), "x".repeat(10_000 - 8192)), lines);
    }

    @Test
    void a_child_process_with_inherited_io_is_captured() throws Exception {
        Captured c = NativeOutput.capture(() -> {
            Process p = new ProcessBuilder("sh", "-c", "echo child out; echo child err >&2").inheritIO().start();
            assertEquals(0, p.waitFor());
        });
        assertEquals("child out\n", c.stdout());
        assertEquals("child err\n", c.stderr());
    }
}
