package dev.fdcapture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Native output into System.out/System.err and loggers, without feedback. An
 * outer capture stands for the terminal: what reaches "the original fd" lands
 * there, and must land exactly once.
 */
class JavaRoutingTest extends FdLevelTest {
    /** What the JVM's own System.out and System.err are: print streams straight on fd 1 and fd 2. */
    private static final PrintStream JVM_OUT = new PrintStream(new FileOutputStream(FileDescriptor.out), true);
    private static final PrintStream JVM_ERR = new PrintStream(new FileOutputStream(FileDescriptor.err), true);

    private PrintStream savedOut;
    private PrintStream savedErr;

    @BeforeEach
    void useTheJvmsOwnStreams() {
        // Surefire has replaced System.out/err in this JVM; put back what a plain JVM has.
        savedOut = System.out;
        savedErr = System.err;
        System.setOut(JVM_OUT);
        System.setErr(JVM_ERR);
    }

    @AfterEach
    void restoreStreams() {
        System.setOut(savedOut);
        System.setErr(savedErr);
    }

    private static int count(String haystack, String needle) {
        int n = 0;
        for (int at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
            n++;
        }
        return n;
    }

    /** Repeated: a race once let echo reach the terminal after output that followed it. */
    @RepeatedTest(20)
    void system_out_sink_under_the_jvms_own_system_out_writes_once_to_the_terminal_in_order_and_never_loops() {
        String terminal = NativeOutput.tapStdout(() -> {
            try (Redirection r = NativeOutput.redirect().stdout(Sink.systemOut()).start()) {
                for (int i = 0; i < 100; i++) {
                    NativeWriters.write(1, "native " + i + "\n");
                }
            }
        });
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            expected.append("native ").append(i).append('\n');
        }
        assertEquals(expected.toString(), terminal);
    }

    @Test
    void to_system_streams_forwards_both_fds_and_keeps_java_prints_out_of_the_capture() {
        Captured terminal = NativeOutput.capture(() -> {
            try (Redirection r = NativeOutput.toSystemStreams()) {
                NativeWriters.write(1, "native out\n");
                NativeWriters.fprintfStderr("native err\n");
                System.out.println("java out");
                System.err.println("java err");
            }
        });
        assertEquals(1, count(terminal.stdout(), "native out\n"), terminal.stdout());
        assertEquals(1, count(terminal.stdout(), "java out\n"), terminal.stdout());
        assertEquals(1, count(terminal.stderr(), "native err\n"), terminal.stderr());
        assertEquals(1, count(terminal.stderr(), "java err\n"), terminal.stderr());
        assertSame(JVM_OUT, System.out, "System.out restored");
        assertSame(JVM_ERR, System.err, "System.err restored");
    }

    @Test
    void a_notebook_that_replaced_system_out_receives_native_output_and_java_prints() {
        ByteArrayOutputStream notebook = new ByteArrayOutputStream();
        PrintStream kernel = new PrintStream(notebook, true, StandardCharsets.UTF_8);
        Captured terminal = NativeOutput.capture(() -> {
            System.setOut(kernel);
            try (Redirection r = NativeOutput.toSystemStreams()) {
                NativeWriters.puts("from C");
                System.out.println("from Java");
            } finally {
                System.setOut(JVM_OUT);
            }
        });
        String shown = notebook.toString(StandardCharsets.UTF_8);
        assertEquals(1, count(shown, "from C\n"), shown);
        assertEquals(1, count(shown, "from Java\n"), shown);
        assertEquals("", terminal.stdout(), "nothing escapes to the terminal");
    }

    /** Repeated: two readers' logger calls overlapping once forwarded one echo twice. */
    @RepeatedTest(10)
    void jul_console_handler_holding_the_original_system_err_logs_each_native_line_once() throws Exception {
        // ConsoleHandler keeps the System.err of its construction: the JVM's, on fd 2.
        Logger jul = Logger.getLogger("fdcapture.test.console." + System.nanoTime());
        jul.setUseParentHandlers(false);
        ConsoleHandler console = new ConsoleHandler();
        console.setFormatter(new SimpleFormatter());
        // The first record costs tens of milliseconds (date formats, locale data):
        // pay that before the capture, as a warmed-up application would have.
        console.getFormatter().format(new LogRecord(Level.INFO, "warm-up"));
        jul.addHandler(console);
        Captured terminal;
        try {
            terminal = NativeOutput.capture(() -> {
                try (Redirection r = NativeOutput.redirect()
                        .stdout(Sink.logger(jul, Level.INFO))
                        .stderr(Sink.logger(jul, Level.WARNING)).start()) {
                    // Spaced out: a handler holding its stream is known only by the text of
                    // its output, and native output written during that very logger call,
                    // before the echo, would go to the terminal with it (documented).
                    NativeWriters.write(1, "native line one\n");
                    Thread.sleep(30);
                    NativeWriters.fprintfStderr("native problem two\n");
                    Thread.sleep(30);
                    NativeWriters.write(1, "native line three\n");
                }
            });
        } finally {
            jul.removeHandler(console);
        }
        String log = terminal.stderr();
        assertEquals(1, count(log, "INFO: native line one"), log);
        assertEquals(1, count(log, "WARNING: native problem two"), log);
        assertEquals(1, count(log, "INFO: native line three"), log);
        assertEquals(2, count(log, "native.stdout"), "the stream is recorded as the source: " + log);
        assertEquals(1, count(log, "native.stderr"), log);
        assertEquals("", terminal.stdout());
    }

    @Test
    void to_loggers_gives_one_record_per_line_with_blank_lines_and_the_last_partial_line() {
        List<LogRecord> records = Collections.synchronizedList(new ArrayList<>());
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger out = Logger.getLogger("native.stdout");
        Logger err = Logger.getLogger("native.stderr");
        out.addHandler(handler);
        err.addHandler(handler);
        out.setUseParentHandlers(false);
        err.setUseParentHandlers(false);
        try (Redirection r = NativeOutput.toLoggers()) {
            NativeWriters.write(1, "first\n\nthird\nunfinished");
            NativeWriters.fprintfStderr("oops\n");
        } finally {
            out.removeHandler(handler);
            err.removeHandler(handler);
            out.setUseParentHandlers(true);
            err.setUseParentHandlers(true);
        }
        List<String> stdout = records.stream().filter(r -> r.getLoggerName().equals("native.stdout"))
                .map(LogRecord::getMessage).toList();
        assertEquals(List.of("first", "", "third", "unfinished"), stdout);
        assertTrue(records.stream().filter(r -> r.getLoggerName().equals("native.stdout"))
                .allMatch(r -> r.getLevel() == Level.INFO));
        List<LogRecord> stderr = records.stream().filter(r -> r.getLoggerName().equals("native.stderr")).toList();
        assertEquals(1, stderr.size());
        assertEquals("oops", stderr.get(0).getMessage());
        assertEquals(Level.WARNING, stderr.get(0).getLevel());
    }

    @Test
    void a_logger_whose_handler_throws_is_reported_at_close_and_writers_are_not_blocked() {
        Logger jul = Logger.getLogger("fdcapture.test.throwing." + System.nanoTime());
        jul.setUseParentHandlers(false);
        IllegalStateException failure = new IllegalStateException("handler down");
        Handler broken = new Handler() {
            @Override
            public void publish(LogRecord record) {
                throw failure;
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jul.addHandler(broken);
        Redirection r = NativeOutput.redirect().stdout(Sink.logger(jul, Level.INFO)).start();
        byte[] lines = "a native line\n".repeat(100_000).getBytes(StandardCharsets.US_ASCII);
        NativeWriters.write(1, lines);
        CaptureException e = assertThrows(CaptureException.class, r::close);
        assertSame(failure, e.getCause());
        jul.removeHandler(broken);
    }

    @Test
    void install_is_idempotent_and_uninstall_restores_the_fds_exactly() {
        String before1 = Fds.identity(1);
        String before2 = Fds.identity(2);
        Captured terminal = NativeOutput.capture(() -> {
            Redirection first = NativeOutput.install();
            Redirection again = NativeOutput.install(NativeOutput.redirect().stdout(Sink.discard()));
            assertSame(first, again);
            NativeWriters.puts("while installed");
            assertTrue(NativeOutput.uninstall());
            assertFalse(NativeOutput.uninstall());
            assertFalse(first.isOpen());
        });
        assertEquals(1, count(terminal.stdout(), "while installed\n"), terminal.stdout());
        assertEquals(before1, Fds.identity(1));
        assertEquals(before2, Fds.identity(2));
    }

    @Test
    void install_from_many_threads_at_once_installs_one_redirection() throws Exception {
        int threads = 8;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        List<java.util.concurrent.Future<Redirection>> results = new ArrayList<>();
        Captured terminal = NativeOutput.capture(() -> {
            try {
                for (int i = 0; i < threads; i++) {
                    results.add(pool.submit(() -> {
                        go.await();
                        return NativeOutput.install();
                    }));
                }
                go.countDown();
                Redirection first = results.get(0).get();
                for (java.util.concurrent.Future<Redirection> f : results) {
                    assertSame(first, f.get());
                }
                NativeWriters.puts("once");
            } finally {
                pool.shutdownNow();
                NativeOutput.uninstall();
            }
        });
        assertEquals(1, count(terminal.stdout(), "once\n"), terminal.stdout());
    }
}
