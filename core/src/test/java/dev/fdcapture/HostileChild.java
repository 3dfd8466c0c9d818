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
            default -> throw new IllegalArgumentException(args[0]);
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
