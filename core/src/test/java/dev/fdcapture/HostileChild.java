package dev.fdcapture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The main class of the separate JVMs of issue 7's tests: a process that is
 * hostile to a capture (std fds closed at start, exit with redirections open,
 * broken pipes, exhausted resources). Runs on the class path.
 *
 * <p>Protocol: facts go as {@code RESULT key=value} lines to the file named by
 * the system property {@code fdcapture.results}, not to stdout, which may be
 * closed or be the very thing under test. Every wait is bounded.
 */
public final class HostileChild {
    private static final Path RESULTS = Path.of(System.getProperty("fdcapture.results", "results.txt"));

    private HostileChild() {
    }

    public static void main(String[] args) throws Throwable {
        switch (args[0]) {
            case "closed" -> closed();
            case "exit" -> exit(args[1], Path.of(args[2]));
            case "stuck-exit" -> stuckExit();
            case "broken" -> broken(args[1], Path.of(args[2]));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /**
     * Point 2: two nested redirections, each tee'd to a line sink that appends to
     * a file slowly and to {@code Sink.original()}, still open when the JVM exits
     * ({@code how}: System.exit, main returning, or SIGTERM after {@code dir/ready}
     * appears). Everything written before exit must reach both files and the real
     * stdout.
     */
    private static void exit(String how, Path dir) throws Exception {
        Path outer = dir.resolve("outer.txt");
        Path inner = dir.resolve("inner.txt");
        NativeOutput.redirect().stdout(Sink.tee(Sink.lines(slowly(outer)), Sink.original())).start();
        NativeOutput.redirect().stdout(Sink.tee(Sink.lines(slowly(inner)), Sink.original())).start();
        for (int i = 0; i < 5; i++) {
            NativeWriters.write(1, "line " + i + "\n");
        }
        NativeWriters.printf("buffered by stdio\n"); // still in stdio's buffer at exit
        switch (how) {
            case "exit" -> System.exit(0);
            case "return" -> { }
            case "signal" -> {
                Files.writeString(dir.resolve("ready"), "ready");
                Thread.sleep(60_000);
            }
            default -> throw new IllegalArgumentException(how);
        }
    }

    /**
     * Point 4: run with stdout piped into {@code head -1}, which exits after the
     * first line; every later write to the original fd gets EPIPE. {@code how}:
     * {@code tee} (a line sink and Sink.original()), {@code systemOut} (the echo
     * path: Sink.systemOut() under the JVM's own System.out on fd 1), {@code linger}
     * (a grandchild's output after close, forwarded by the lingering reader).
     */
    private static void broken(String how, Path dir) throws Exception {
        List<String> got = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        RedirectBuilder b;
        switch (how) {
            case "tee", "linger" -> b = NativeOutput.redirect().stdout(Sink.tee(Sink.lines(got::add), Sink.original()))
                    .closeTimeout(java.time.Duration.ofMillis(200));
            case "systemOut" -> b = NativeOutput.redirect().stdout(Sink.tee(Sink.lines(got::add), Sink.systemOut()))
                    .javaStreams(JavaStreams.BYPASS);
            default -> throw new IllegalArgumentException(how);
        }
        Redirection r = b.start();
        NativeWriters.write(1, "first\n");
        Thread.sleep(700); // head prints it and exits: the pipe has no reader any more
        for (int i = 0; i < 100; i++) {
            NativeWriters.write(1, "line " + i + "\n");
        }
        Path status = dir.resolve("status");
        if (how.equals("linger")) {
            Process p = new ProcessBuilder("sh", "-c", "(sleep 0.5; echo late from grandchild; echo \"rc=$?\" > '"
                    + status + "') &").inheritIO().start();
            result("child", p.waitFor());
        }
        String close = "returned";
        try {
            r.close();
        } catch (Throwable t) {
            close = t.toString();
        }
        result("close", close);
        result("lines", got.size());
        if (how.equals("linger")) {
            long end = System.nanoTime() + 10_000_000_000L;
            while (!(Files.exists(status) && Files.size(status) > 0) && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            Thread.sleep(300); // the lingering reader forwards the late line meanwhile
            result("grandchild", Files.exists(status) ? Files.readString(status).trim() : "no status");
        }
        result("next", escape(NativeOutput.tapStdout(() -> NativeWriters.write(1, "next\n"))));
        result("done", true);
    }

    /** A line sink that takes 30 ms per line, so lines are still in the spool at exit. */
    private static java.util.function.Consumer<String> slowly(Path file) {
        return line -> {
            try {
                Thread.sleep(30);
                Files.write(file, List.of(line), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    /** Points 2 and 3: a sink stuck forever must not keep the JVM from exiting: the exit hook has the stall limit. */
    private static void stuckExit() {
        // An application that logs: JUL's console handler exists before shutdown begins.
        java.util.logging.Logger.getLogger("").getHandlers();
        NativeOutput.redirect().stallTimeout(java.time.Duration.ofSeconds(1))
                .stdout(Sink.tee(Sink.original(), Sink.lines(line -> {
                    try {
                        Thread.sleep(Long.MAX_VALUE);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }))).start();
        NativeWriters.write(1, "before exit\n");
        System.exit(3);
    }

    /**
     * JUL without its own shutdown-hook reset (log4j-jul and others do the same),
     * so that what fdcapture logs from its exit hook is not lost to that race.
     * (Handlers that were never created before shutdown began are not created
     * during it either: the scenario touches them first.)
     */
    @SuppressWarnings("exports")
    public static final class KeepLogging extends java.util.logging.LogManager {
        /** Made by JUL from {@code -Djava.util.logging.manager}. */
        public KeepLogging() {
        }

        @Override
        public void reset() {
            // keep the console handler through shutdown
        }
    }

    /**
     * Point 1: started with fd 1 and/or fd 2 closed, so the JVM opened files of
     * its own there. Every entry point runs, classes are loaded during and after
     * the captures, and what each fd refers to is reported before and after.
     */
    private static void closed() throws Throwable {
        String before1 = describe(1);
        String before2 = describe(2);
        result("before1", before1);
        result("before2", before2);
        result("supported", NativeOutput.isSupported());
        boolean out = writable(1);
        boolean err = writable(2);
        result("writable1", out);
        result("writable2", err);
        Captured c = NativeOutput.capture(() -> {
            if (out) {
                NativeWriters.write(1, "to fd 1\n");
            }
            if (err) {
                NativeWriters.write(2, "to fd 2\n");
            }
            // Classes loaded while a capture is open: the JVM reads them from the
            // files it opened at fd 1 or fd 2 (the modules image, a jar).
            result("loadedDuring", new Later().load());
        });
        result("capture.stdout", escape(c.stdout()));
        result("capture.stderr", escape(c.stderr()));
        result("merged", escape(NativeOutput.captureMerged(() -> {
            if (out) {
                NativeWriters.write(1, "merged 1\n");
            }
            if (err) {
                NativeWriters.write(2, "merged 2\n");
            }
        })));
        result("tapStdout", escape(NativeOutput.tapStdout(() -> {
            if (out) {
                NativeWriters.write(1, "tapped 1\n");
            }
        })));
        result("tapStderr", escape(NativeOutput.tapStderr(() -> {
            if (err) {
                NativeWriters.write(2, "tapped 2\n");
            }
        })));
        NativeOutput.silence(() -> { });
        Path file = Files.createTempFile("fdcapture-closed", ".txt");
        try (Redirection r = NativeOutput.redirect().stdout(Sink.file(file)).stderr(Sink.intoStdout()).start()) {
            if (out) {
                NativeWriters.write(1, "file 1\n");
            }
            if (err) {
                NativeWriters.write(2, "file 2\n");
            }
        }
        result("file", escape(Files.readString(file)));
        Files.delete(file);
        result("loadedAfter", new java.util.concurrent.Phaser(1).arriveAndDeregister() >= 0
                && new java.util.zip.CRC32C() != null);
        result("after1", describe(1));
        result("after2", describe(2));
        result("done", true);
    }

    /** Loaded for the first time inside a capture. */
    private static final class Later {
        boolean load() {
            java.util.concurrent.CountDownLatch latch = new java.util.concurrent.CountDownLatch(1);
            latch.countDown();
            return latch.getCount() == 0 && java.time.chrono.JapaneseDate.now() != null;
        }
    }

    /** What fd refers to and how it is open, or {@code closed}. */
    static String describe(int fd) throws IOException {
        Path p = Path.of("/proc/self/fd/" + fd);
        try {
            String target = Files.readSymbolicLink(p).toString();
            String flags = "?";
            for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
                if (line.startsWith("flags:")) {
                    flags = line.substring(6).trim();
                }
            }
            return target + " flags " + flags + " " + Fds.identity(fd);
        } catch (NoSuchFileException e) {
            return "closed";
        }
    }

    /** Whether fd is open for writing, per /proc (the child's own view, independent of the library's). */
    static boolean writable(int fd) throws IOException {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
                if (line.startsWith("flags:")) {
                    int mode = Integer.parseInt(line.substring(6).trim(), 8) & 3;
                    return mode == 1 || mode == 2;
                }
            }
            return false;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    static String escape(String s) {
        return HazardChild.escape(s);
    }

    static void result(String key, Object value) {
        try {
            Files.write(RESULTS, List.of("RESULT " + key + "=" + value), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
