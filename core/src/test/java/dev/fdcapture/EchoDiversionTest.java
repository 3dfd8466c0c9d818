package dev.fdcapture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.FileHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 7 point 8 for core's own logger sinks (the SLF4J module tests logback
 * and log4j2): a native line must never leave its sink because of its text
 * unless it really is the sink's own echo. An outer capture stands for the
 * terminal, where diverted lines would go.
 */
class EchoDiversionTest extends FdLevelTest {
    private static final int THREADS = 4;
    private static final int LINES = 300;

    @TempDir
    Path dir;

    @Test
    void a_jul_file_handler_gets_every_repeated_native_line_and_the_terminal_none() throws Exception {
        Path file = dir.resolve("native.log");
        Logger jul = Logger.getLogger("native.repeat.file");
        jul.setUseParentHandlers(false);
        FileHandler handler = new FileHandler(file.toString());
        handler.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord r) {
                return r.getLevel() + " " + r.getSourceClassName() + " - " + r.getMessage() + "\n";
            }
        });
        jul.addHandler(handler);
        Sink.Buffer terminal = Sink.buffer();
        try (Redirection outer = NativeOutput.redirect().stdout(terminal).start()) {
            try (Redirection r = NativeOutput.redirect().stdout(Sink.logger(jul, Level.INFO)).start()) {
                writeInLoops("frame dropped\n");
            }
        } finally {
            jul.removeHandler(handler);
            handler.close();
        }
        List<String> log = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertEquals("", terminal.text(), "native lines diverted to the terminal");
        assertEquals(THREADS * LINES, log.stream().filter("INFO native.stdout - frame dropped"::equals).count());
        assertEquals(THREADS * LINES, log.size());
    }

    @Test
    void a_logger_that_writes_nothing_itself_never_claims_a_native_line() throws Exception {
        // A handler that keeps records in memory: the logger call makes no write at all.
        List<String> records = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        Sink.Buffer terminal = Sink.buffer();
        try (Redirection outer = NativeOutput.redirect().stdout(terminal).start()) {
            try (Redirection r = NativeOutput.redirect().stdout(Sink.logLines((origin, line) -> {
                records.add(line);
                LockSupport.parkNanos(20_000); // a slow logger: native lines arrive during its calls
            })).start()) {
                writeInLoops("frame dropped\n");
            }
        }
        assertEquals("", terminal.text(), "native lines diverted to the terminal");
        assertEquals(THREADS * LINES, records.size());
    }

    /** THREADS native writers, each writing {@code line} LINES times, paced so that they overlap logger calls. */
    private static void writeInLoops(String line) throws InterruptedException {
        Thread[] writers = new Thread[THREADS];
        for (int t = 0; t < THREADS; t++) {
            writers[t] = new Thread(() -> {
                for (int i = 0; i < LINES; i++) {
                    NativeWriters.write(1, line);
                    LockSupport.parkNanos(20_000);
                }
            }, "native-writer-" + t);
            writers[t].start();
        }
        for (Thread w : writers) {
            w.join();
        }
    }
}
