package dev.fdcapture.slf4j;

import dev.fdcapture.JavaStreams;
import dev.fdcapture.NativeOutput;
import dev.fdcapture.Redirection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * The child JVM of {@link Slf4jSinkTest}: real native writers (libc through JNA,
 * a shell child) routed through SLF4J to whichever backend the JVM was started with.
 */
public final class Slf4jChild {
    private static final Stdio STDIO = Native.load(Platform.C_LIBRARY_NAME, Stdio.class);

    /** Variadic stdio calls, through JNA's interface mapping. */
    private interface Stdio extends Library {
        int dprintf(int fd, String format, Object... args);

        int printf(String format, Object... args);
    }

    private Slf4jChild() {
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("console")) {
            console(JavaStreams.valueOf(args[1]));
        } else if (args[0].equals("exit")) {
            exit(Integer.parseInt(args[1]));
        } else if (args[0].equals("repeat")) {
            repeat(Boolean.parseBoolean(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
        } else {
            throw new IllegalArgumentException(args[0]);
        }
    }

    /**
     * Native lines into a console appender that writes to fd 1, the captured fd
     * itself, one at a time (the repeat scenario writes them from several threads
     * while logger calls run).
     */
    private static void console(JavaStreams javaStreams) throws Exception {
        Logger log = LoggerFactory.getLogger("native");
        log.info("backend ready"); // the backend is configured before the capture starts
        try (Redirection r = NativeOutput.redirect()
                .stdout(Slf4jSink.of(log, Level.INFO))
                .stderr(Slf4jSink.of(log, Level.WARN))
                .javaStreams(javaStreams)
                .start()) {
            dprintf(1, "native out line\n");
            Thread.sleep(100);
            dprintf(2, "native err line\n");
            Thread.sleep(100);
            Process child = new ProcessBuilder("sh", "-c", "echo child out line; sleep 0.1; echo child err line >&2")
                    .inheritIO().start();
            if (child.waitFor() != 0) {
                throw new IllegalStateException("child failed");
            }
            Thread.sleep(100);
            dprintf(1, "braces {} stay\n");
        }
        log.info("finished");
    }

    /**
     * Issue 7 point 8: a native library that logs the same message in a loop from
     * several threads, into {@link Slf4jSink#loggers()} while its logger calls run.
     * {@code tagged}: each thread prefixes its own tag ({@code [t3] frame dropped}),
     * so the lines differ in length but share their longest run of text.
     */
    private static void repeat(boolean tagged, int threads, int lines) throws Exception {
        LoggerFactory.getLogger("native.stdout"); // the backend configures itself before the capture
        try (Redirection r = Slf4jSink.loggers().start()) {
            Thread[] writers = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                String line = (tagged ? "[t" + t + "] " : "") + "frame dropped\n";
                writers[t] = new Thread(() -> {
                    for (int i = 0; i < lines; i++) {
                        dprintf(1, line);
                        java.util.concurrent.locks.LockSupport.parkNanos(20_000); // keeps writing while lines are logged
                    }
                }, "native-" + t);
                writers[t].start();
            }
            for (Thread w : writers) {
                w.join();
            }
        }
        System.err.println("finished");
    }

    /** install(), buffered stdio output, then System.exit: the shutdown hook delivers all of it. */
    private static void exit(int lines) throws Exception {
        NativeOutput.install(Slf4jSink.loggers());
        for (int i = 0; i < lines; i++) {
            printf("buffered line " + i + "\n"); // stays in stdio's 4 KiB buffer until flushed
            dprintf(2, "direct line " + i + "\n");
        }
        System.exit(0);
    }

    private static void dprintf(int fd, String text) {
        if (STDIO.dprintf(fd, "%s", text) < 0) {
            throw new IllegalStateException("dprintf failed");
        }
    }

    private static void printf(String text) {
        if (STDIO.printf("%s", text) < 0) {
            throw new IllegalStateException("printf failed");
        }
    }
}
