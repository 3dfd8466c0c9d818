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
            case "emfile" -> emfile();
            case "inotify" -> inotify();
            case "noproc" -> noproc(Path.of(args[1]));
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

    /**
     * Point 9, EMFILE: run under a low {@code ulimit -n}. Every descriptor left is
     * taken, then given back one at a time, with a capture tried at each step:
     * each either works or throws a CaptureException naming the call and EMFILE,
     * and never leaves fd 1 or fd 2 elsewhere or a descriptor behind.
     */
    private static void emfile() throws Exception {
        preloadClasses(); // class loading opens class files: not while descriptors are out
        Captured warm = everyEntryPoint();
        // Fds.identity stats through /proc/self/fd: no descriptor needed while they are out.
        String fd1 = Fds.identity(1);
        String fd2 = Fds.identity(2);
        java.util.SortedMap<Integer, String> before = Fds.snapshot();
        List<java.io.FileInputStream> filler = new java.util.ArrayList<>();
        try {
            while (true) {
                filler.add(new java.io.FileInputStream("/dev/null"));
            }
        } catch (IOException exhausted) {
            // every descriptor is in use
        }
        List<String> lines = new java.util.ArrayList<>();
        lines.add("RESULT warm=" + escape(warm.stdout() + "|" + warm.stderr()));
        lines.add("RESULT filler=" + filler.size());
        int ok = 0;
        for (int free = 0; free <= 16 && !filler.isEmpty(); free++) {
            String outcome;
            try {
                Captured c = everyEntryPoint();
                outcome = c.stdout().equals("out\n") && c.stderr().equals("err\n") ? "ok"
                        : "wrong: " + escape(c.stdout() + "|" + c.stderr());
                ok++;
            } catch (CaptureException e) {
                outcome = "CaptureException call=" + e.call() + " errno=" + e.errno() + " message=" + e.getMessage();
            } catch (Throwable t) {
                outcome = "other: " + t;
            }
            boolean restored = fd1.equals(Fds.identity(1)) && fd2.equals(Fds.identity(2));
            lines.add("RESULT free" + free + "=" + outcome + (restored ? "" : " NOT RESTORED"));
            filler.remove(filler.size() - 1).close();
            Thread.sleep(20); // readers let go of their descriptors
        }
        for (java.io.FileInputStream f : filler) {
            f.close();
        }
        Thread.sleep(200);
        lines.add("RESULT ok=" + ok);
        // As FdLevelTest counts: each reader thread keeps an inotify instance for its life.
        java.util.SortedMap<Integer, String> after = Fds.snapshot();
        after.entrySet().removeAll(before.entrySet());
        lines.add("RESULT leaked=" + after.size() + (after.isEmpty() ? "" : " " + after));
        lines.add("RESULT inotifyWithinReaders=" + (Fds.inotifyCount() <= Fds.allowedInotify()));
        lines.add("RESULT after=" + escape(everyEntryPoint().stdout()));
        Files.write(RESULTS, lines, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        result("done", true);
    }

    /** capture, captureMerged and a tee'd redirection, each writing to fd 1 and fd 2; the capture's result. */
    private static Captured everyEntryPoint() throws Exception {
        Captured c = NativeOutput.capture(() -> {
            NativeWriters.write(1, "out\n");
            NativeWriters.write(2, "err\n");
        });
        String merged = NativeOutput.captureMerged(() -> NativeWriters.write(2, "m\n"));
        Sink.Buffer teed = Sink.buffer();
        try (Redirection r = NativeOutput.redirect().stdout(Sink.tee(teed, Sink.lines(l -> { })))
                .stderr(Sink.intoStdout()).start()) {
            NativeWriters.write(1, "t\n");
        }
        if (!merged.equals("m\n") || !teed.text().equals("t\n")) {
            return new Captured("merged " + merged, "teed " + teed.text());
        }
        return c;
    }

    /**
     * Point 9, no inotify instance left: the JVM takes every instance its user
     * may have (WatchServices hold one each) before its first capture, so neither
     * the dispatcher nor any reader gets one: capture must deliver everything by polling.
     */
    private static void inotify() throws Exception {
        List<java.nio.file.WatchService> held = new java.util.ArrayList<>();
        try {
            while (held.size() < 10_000) {
                held.add(java.nio.file.FileSystems.getDefault().newWatchService());
            }
        } catch (IOException exhausted) {
            result("exhausted", exhausted.getMessage());
        }
        result("held", held.size());
        int lines = 2000;
        Captured c = NativeOutput.capture(() -> {
            for (int i = 0; i < lines; i++) {
                NativeWriters.write(i % 2 == 0 ? 1 : 2, "line " + i + "\n");
                if (i % 100 == 0) {
                    Thread.sleep(5); // the readers catch up and go to sleep: polling must wake them
                }
            }
            NativeWriters.printf("buffered by stdio");
        });
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            (i % 2 == 0 ? out : err).append("line ").append(i).append('\n');
        }
        out.append("buffered by stdio");
        result("stdout", c.stdout().equals(out.toString()) ? "complete" : "got " + c.stdout().length() + " chars");
        result("stderr", c.stderr().equals(err.toString()) ? "complete" : "got " + c.stderr().length() + " chars");
        byte[] big = new byte[1 << 20];
        java.util.Arrays.fill(big, (byte) 'b');
        String merged = NativeOutput.captureMerged(() -> NativeWriters.write(1, big));
        result("merged", merged.length());
        for (java.nio.file.WatchService w : held) {
            w.close();
        }
        result("closedHeld", held.size());
        result("done", true);
    }

    /**
     * Point 9, /proc/self/fd cannot be opened (masked by an empty file system):
     * the spool needs it for its write description. A capture through a spool
     * fails with a CaptureException naming the open; one that needs no spool works.
     */
    private static void noproc(Path dir) throws Exception {
        result("supported", NativeOutput.isSupported());
        String fd1 = fdinfoIdentity(1);
        String fd2 = fdinfoIdentity(2);
        // What the JVM, the tests' JNA writers and the library open once and keep
        // (the dispatcher's inotify instance) is open before counting.
        NativeWriters.write(2, "");
        try {
            NativeOutput.tapStdout(() -> { });
        } catch (CaptureException expected) {
            // the same failure as below
        }
        int base = fdinfoCount();
        try {
            Captured c = NativeOutput.capture(() -> NativeWriters.write(1, "x\n"));
            result("capture", "returned " + escape(c.stdout()));
        } catch (CaptureException e) {
            result("capture", "call=" + e.call() + " errno=" + e.errno());
            result("message", e.getMessage());
        }
        result("restored", fd1.equals(fdinfoIdentity(1)) && fd2.equals(fdinfoIdentity(2)));
        Path file = dir.resolve("direct.txt");
        try (Redirection r = NativeOutput.redirect().stdout(Sink.file(file)).start()) {
            NativeWriters.write(1, "to the file itself\n");
        }
        NativeOutput.silence(() -> NativeWriters.write(1, "silenced\n"));
        result("file", escape(Files.readString(file)));
        Thread.sleep(100);
        result("leaked", fdinfoCount() - base);
        result("done", true);
    }

    /** What fd refers to, from /proc/self/fdinfo (mount and inode), which works when /proc/self/fd does not. */
    private static String fdinfoIdentity(int fd) throws IOException {
        StringBuilder id = new StringBuilder();
        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
            if (line.startsWith("mnt_id:") || line.startsWith("ino:")) {
                id.append(line.replaceAll("\\s+", "")).append(' ');
            }
        }
        return id.toString();
    }

    private static int fdinfoCount() throws IOException {
        try (java.util.stream.Stream<Path> s = Files.list(Path.of("/proc/self/fdinfo"))) {
            return (int) s.count();
        }
    }

    /** Loads every class of the library and of these tests, so that none is loaded while descriptors are out. */
    private static void preloadClasses() throws Exception {
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path root = Path.of(entry);
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (java.util.stream.Stream<Path> s = Files.walk(root)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    String rel = root.relativize(p).toString();
                    if (rel.startsWith("dev/fdcapture/") && rel.endsWith(".class") && !rel.contains("module-info")
                            && !rel.contains("FfmPosix") && !rel.contains("Jdk22")) {
                        try {
                            Class.forName(rel.substring(0, rel.length() - 6).replace('/', '.'), false,
                                    HostileChild.class.getClassLoader());
                        } catch (LinkageError | ClassNotFoundException e) {
                            // a class of another Java version or test framework: not needed here
                        }
                    }
                }
            }
        }
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
