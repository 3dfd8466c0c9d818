package dev.fdcapture;

import dev.fdcapture.internal.FdTable;
import dev.fdcapture.internal.SpoolReader;
import dev.fdcapture.internal.posix.Errno;
import dev.fdcapture.internal.posix.Faults;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 7 point 10: every native call that start() and close() make, made to
 * fail once in turn, the way SQLite proves its I/O paths. For each one: the
 * exception names the call, fd 1 and fd 2 refer to what they did before, no
 * descriptor leaked, no reader is left behind, and the next capture works.
 * The faults come from a decorator of the raw native interface, interposed
 * for the calling thread only ({@link Faults}).
 */
class FaultInjectionTest extends FdLevelTest {
    /**
     * Faults that are absorbed by design, where the call is retried (EINTR) or
     * its failure has a defined meaning: F_GETFL failing with EBADF says "not open",
     * so the fd is left alone; fflush(NULL) reports and never throws.
     */
    private static final Set<String> ABSORBED = Set.of("write", "read", "pread", "fflush");

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"capture", "captureMerged", "tapStderr", "silence", "tee with file and original",
            "nothing written", "bypass"})
    @Timeout(120)
    void every_native_call_of_start_and_close_failing_once_leaves_nothing_behind(String scenario) throws Exception {
        Callable<String> run = scenario(scenario);
        String expected = run.call();
        List<Faults.Call> calls = Faults.record(run);
        assertTrue(calls.size() >= 6, () -> "too few calls seen: " + calls);
        String fd1 = Fds.identity(1);
        String fd2 = Fds.identity(2);
        SortedMap<Integer, String> fds = Fds.snapshot();
        List<String> report = new ArrayList<>();
        for (int n = 0; n < calls.size(); n++) {
            Faults.Outcome<String> o = Faults.failNth(n, run);
            String what = "fault " + n + " of " + calls.size() + ": " + o.failed() + " -> " + Errno.name(o.errno())
                    + ", outcome: " + (o.thrown() != null ? o.thrown() : "returned " + HazardChild.escape(
                    String.valueOf(o.value())));
            report.add(what);
            if (o.failed() == null) {
                continue; // the calls differ from run to run (a reader started earlier): fewer this time
            }
            if (o.thrown() != null) {
                CaptureException e = captureException(o.thrown(), what);
                assertTrue(e.call() != null && e.call().startsWith(o.failed().name().replace("(lock)", "") + "("),
                        () -> what + ": the exception names " + e.call());
                assertEquals(o.errno(), e.errno(), what);
            } else if (!ABSORBED.contains(o.failed().name()) && !isGetfl(o.failed())) {
                fail(what + ": the failure vanished");
            } else if (o.errno() == Errno.EINTR) {
                assertEquals(expected, o.value(), what + ": a retried call changes nothing");
            }
            assertEquals(0, FdTable.depth(1), what);
            assertEquals(0, FdTable.depth(2), what);
            assertEquals(fd1, Fds.identity(1), what + ": fd 1 restored");
            assertEquals(fd2, Fds.identity(2), what + ": fd 2 restored");
            awaitNoReader(what);
            assertEquals(fds, Fds.snapshot(), what + ": descriptors leaked or closed");
            Captured next = NativeOutput.capture(() -> {
                NativeWriters.write(1, "next out\n");
                NativeWriters.write(2, "next err\n");
            });
            assertEquals(new Captured("next out\n", "next err\n"), next, what + ": the next capture");
        }
        System.out.println(scenario + ":\n  " + String.join("\n  ", report));
    }

    private Callable<String> scenario(String name) {
        switch (name) {
            case "capture":
                return () -> {
                    Captured c = NativeOutput.capture(() -> {
                        NativeWriters.write(1, "out\n");
                        NativeWriters.write(2, "err\n");
                    });
                    return c.stdout() + "|" + c.stderr();
                };
            case "captureMerged":
                return () -> NativeOutput.captureMerged(() -> {
                    NativeWriters.write(1, "out\n");
                    NativeWriters.write(2, "err\n");
                });
            case "tapStderr":
                return () -> NativeOutput.tapStderr(() -> NativeWriters.write(2, "err\n"));
            case "silence":
                return () -> {
                    NativeOutput.silence(() -> NativeWriters.write(1, "gone\n"));
                    return "";
                };
            case "tee with file and original":
                return () -> {
                    Sink.Buffer outer = Sink.buffer();
                    Sink.Buffer inner = Sink.buffer();
                    try (Redirection o = NativeOutput.redirect().stdout(outer).start()) {
                        try (Redirection r = NativeOutput.redirect()
                                .stdout(Sink.tee(inner, Sink.original(), Sink.appendTo(dir.resolve("tee.txt"))))
                                .stderr(Sink.file(dir.resolve("err.txt"))).start()) {
                            NativeWriters.write(1, "teed\n");
                        }
                    }
                    return inner.text() + "|" + outer.text();
                };
            case "nothing written":
                return () -> {
                    List<String> lines = new ArrayList<>();
                    NativeOutput.redirect().stdout(Sink.lines(lines::add)).stderr(Sink.intoStdout()).start().close();
                    return lines.toString();
                };
            case "bypass":
                return () -> {
                    Sink.Buffer out = Sink.buffer();
                    try (Redirection r = NativeOutput.redirect().stdout(out).stderr(Sink.buffer())
                            .javaStreams(JavaStreams.BYPASS).start()) {
                        NativeWriters.write(1, "native\n");
                    }
                    return out.text();
                };
            default:
                throw new IllegalArgumentException(name);
        }
    }

    private static boolean isGetfl(Faults.Call call) {
        return call.name().equals("fcntl") && call.args().matches("\\d+, 3, 0");
    }

    /** The CaptureException thrown, or the one a body's exception carries; fails if there is none. */
    private static CaptureException captureException(Throwable t, String what) {
        if (t instanceof CaptureException) {
            return (CaptureException) t;
        }
        throw new AssertionError(what + ": not a CaptureException", t);
    }

    private static void awaitNoReader(String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (SpoolReader.live() != 0) {
            if (System.nanoTime() > end) {
                fail(what + ": " + SpoolReader.live() + " readers left behind");
            }
            Thread.sleep(2);
        }
    }
}
