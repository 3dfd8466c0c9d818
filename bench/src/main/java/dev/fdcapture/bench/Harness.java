package dev.fdcapture.bench;

import dev.fdcapture.NativeOutput;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.fdcapture.bench.Table.fmt;
import static dev.fdcapture.bench.Workloads.MIB;

/**
 * Runs every workload end to end, fdcapture and the C references interleaved in
 * the same run, and prints a Markdown table of medians, minima, maxima and
 * ratios. Progress goes to stderr (fd 2 is never captured here), the table to
 * stdout and to {@code <workdir>/results.md}.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp ... dev.fdcapture.bench.Harness [quick] [runs=N]
 *     [only=w64k,lat,...] [backings=memfd,tmpfile:/tmp,...|all]
 * </pre>
 *
 * <p>Two C references run next to fdcapture: {@code pipebench.c} (a pipe, what
 * users compare with) and {@code spoolbench.c} (fdcapture's own transport in C,
 * with the backing fdcapture uses here and the same wake-up). {@code backings=}
 * also runs the throughput and latency rows with each listed spool backing, for
 * fdcapture ({@code -Ddev.fdcapture.spool}) and for the C spool alike, into a
 * second table.
 *
 * System properties: {@code pipebench.source}, {@code spoolbench.source} (the C
 * files), {@code bench.workdir}.
 */
public final class Harness {
    static final List<String> ALL = List.of(
            "w64k", "lines", "printf80", "printf80child", "write80", "lat", "empty", "syscalls", "jmh", "first",
            "startup", "rss", "slow");
    /** What {@code backings=all} means: memory, a disk filesystem, tmpfs. */
    static final List<String> ALL_BACKINGS = List.of("memfd", "tmpfile:/tmp", "tmpfile:/dev/shm");
    /** The property that selects fdcapture's spool backing (read at each start). */
    static final String SPOOL = "dev.fdcapture.spool";

    /** Sizes for one run of everything. */
    record Config(boolean quick, int runs, Set<String> only, List<String> backings, Path pipebenchSource,
                  Path spoolbenchSource, Path workDir, long w64kMiB, long linesMiB, long printfMiB, long write80MiB,
                  int latLines, int emptyCycles, int syscallCaptures, long rssMiB, double slowSeconds,
                  long slowWriterRate, long slowBacklogLimit) {

        static Config full(Path pipe, Path spool, Path workDir) {
            return new Config(false, 5, new LinkedHashSet<>(ALL), List.of(), pipe, spool, workDir,
                    1024, 1024, 256, 64, 10_000, 5_000, 10_000, 2048, 10, 100L << 20, 256L << 20);
        }

        /** Tiny sizes: proves each workload starts and finishes, measures nothing. */
        static Config quick(Path pipe, Path spool, Path workDir) {
            return new Config(true, 1, new LinkedHashSet<>(ALL), List.of(), pipe, spool, workDir,
                    4, 4, 1, 1, 300, 50, 100, 16, 1, 40L << 20, 4L << 20);
        }

        Config withRuns(int n) {
            return new Config(quick, n, only, backings, pipebenchSource, spoolbenchSource, workDir, w64kMiB,
                    linesMiB, printfMiB, write80MiB, latLines, emptyCycles, syscallCaptures, rssMiB, slowSeconds,
                    slowWriterRate, slowBacklogLimit);
        }

        Config withOnly(Set<String> names) {
            return new Config(quick, runs, names, backings, pipebenchSource, spoolbenchSource, workDir, w64kMiB,
                    linesMiB, printfMiB, write80MiB, latLines, emptyCycles, syscallCaptures, rssMiB, slowSeconds,
                    slowWriterRate, slowBacklogLimit);
        }

        Config withBackings(List<String> list) {
            return new Config(quick, runs, only, list, pipebenchSource, spoolbenchSource, workDir, w64kMiB,
                    linesMiB, printfMiB, write80MiB, latLines, emptyCycles, syscallCaptures, rssMiB, slowSeconds,
                    slowWriterRate, slowBacklogLimit);
        }

        static Config parse(String[] args) {
            Path pipe = Path.of(System.getProperty("pipebench.source", "../shared/bench/pipebench.c"));
            Path spool = Path.of(System.getProperty("spoolbench.source", "src/main/c/spoolbench.c"));
            Path workDir = Path.of(System.getProperty("bench.workdir", "target/bench"));
            List<String> list = Arrays.stream(args).flatMap(a -> Arrays.stream(a.trim().split("\\s+")))
                    .filter(a -> !a.isEmpty()).toList();
            Config c = list.contains("quick") ? quick(pipe, spool, workDir) : full(pipe, spool, workDir);
            for (String a : list) {
                if (a.startsWith("runs=")) {
                    c = c.withRuns(Integer.parseInt(a.substring(5)));
                } else if (a.startsWith("only=")) {
                    Set<String> names = new LinkedHashSet<>(Arrays.asList(a.substring(5).split(",")));
                    if (!ALL.containsAll(names)) {
                        throw new IllegalArgumentException("workloads are " + ALL + ": " + a);
                    }
                    c = c.withOnly(names);
                } else if (a.startsWith("backings=")) {
                    String v = a.substring(9);
                    List<String> b = v.equals("all") ? ALL_BACKINGS : Arrays.asList(v.split(","));
                    for (String one : b) {
                        if (!one.equals("memfd") && !one.startsWith("tmpfile:")) {
                            throw new IllegalArgumentException("a backing is memfd or tmpfile:DIR: " + one);
                        }
                    }
                    c = c.withBackings(List.copyOf(b));
                } else if (!a.equals("quick")) {
                    throw new IllegalArgumentException("arguments: [quick] [runs=N] [only=" + String.join(",", ALL)
                            + "] [backings=memfd,tmpfile:DIR,...|all]: " + a);
                }
            }
            return c;
        }
    }

    private final Config cfg;
    private CReference c;
    private String cUnavailable;
    /** The backing fdcapture chose here, in spoolbench's terms ({@code memfd}, {@code tmpfile:/tmp}). */
    private String backing = "memfd";
    /** Rows of the backing comparison ({@code backings=}), a second table. */
    private final List<Row> backingRows = new ArrayList<>();

    Harness(Config cfg) {
        this.cfg = cfg;
    }

    public static void main(String[] args) throws Exception {
        Config cfg = Config.parse(args);
        NativeOutput.ensureSupported();
        Harness h = new Harness(cfg);
        long t0 = System.nanoTime();
        List<Row> rows = h.runAll();
        String report = h.header((System.nanoTime() - t0) / 1e9) + "\n" + Table.markdown(rows);
        if (!h.backingRows.isEmpty()) {
            report += fmt("%nSpool backings, same run: fdcapture with -D%s=X against spoolbench with BACKING=X"
                    + " (same wake-up).%n%n", SPOOL) + Table.markdown(h.backingRows);
        }
        if (Workloads.EMFILE_RETRIES.get() > 0) {
            report += fmt("%nStarts retried after EMFILE from inotify_init1 (per-user instance limit, shared with"
                    + " other processes): %d.%n", Workloads.EMFILE_RETRIES.get());
        }
        Files.createDirectories(cfg.workDir());
        Files.writeString(cfg.workDir().resolve("results.md"), report, StandardCharsets.UTF_8);
        System.out.println();
        System.out.println(report);
        if (rows.stream().anyMatch(r -> r.verdict() == Row.Verdict.BROKEN)) {
            System.exit(1);
        }
    }

    /** The property that selects fdcapture's native backend, which the harness passes on to its child JVMs. */
    private static final String BACKEND = "dev.fdcapture.backend";

    /** The backend measured: what -Ddev.fdcapture.backend says, else fdcapture's default on 22+, FFM. */
    private static String backend() {
        String b = System.getProperty(BACKEND, "");
        return b.isEmpty() ? "ffm" : b;
    }

    String header(double seconds) {
        return fmt("fdcapture bench, %s: %d cores, Linux %s, %s %s, gcc %s, %d runs per workload%s, %.0f s.%n"
                        + "fdcapture's spool: %s (java.io.tmpdir %s); native backend: %s. C spool: `spoolbench`"
                        + " with BACKING=%s WAKE=%s LINGER_US=%d (fdcapture's transport and wake-up, in C)."
                        + " C pipe: `pipebench`. Ratio = fdcapture median / C median.%n",
                LocalDate.now(), Runtime.getRuntime().availableProcessors(), osRelease(),
                System.getProperty("java.vm.name"), System.getProperty("java.vm.version"),
                CReference.gccVersion(), cfg.runs(), cfg.quick() ? " (quick: tiny sizes, not a measurement)" : "",
                seconds, backing, System.getProperty("java.io.tmpdir"), backend(), backing, CReference.SAME_WAKE,
                CReference.LINGER_US);
    }

    List<Row> runAll() throws Exception {
        NativeIo.link();
        backing = Workloads.backingInUse();
        progress("fdcapture's spool here: " + backing);
        try {
            c = CReference.build(cfg.pipebenchSource(), cfg.spoolbenchSource(), cfg.workDir());
        } catch (IOException e) {
            if (!cfg.quick()) {
                throw e;
            }
            cUnavailable = e.getMessage();
            try {
                c = CReference.spoolOnly(cfg.spoolbenchSource(), cfg.workDir());
                progress("C pipe unavailable, C spool only: " + cUnavailable);
            } catch (IOException spoolToo) {
                progress("C reference unavailable, fdcapture only: " + cUnavailable + "; " + spoolToo.getMessage());
            }
        }
        List<Row> rows = new ArrayList<>();
        for (String name : cfg.only()) {
            progress("== " + name);
            switch (name) {
                case "w64k" -> rows.add(w64k());
                case "lines" -> rows.add(lines());
                case "printf80" -> rows.add(printf80());
                case "printf80child" -> rows.add(printf80Child());
                case "write80" -> rows.add(write80());
                case "lat" -> rows.addAll(latency());
                case "empty" -> rows.addAll(empty());
                case "syscalls" -> rows.add(syscalls());
                case "jmh" -> rows.addAll(jmh());
                case "first" -> rows.addAll(first());
                case "startup" -> rows.addAll(startup());
                case "rss" -> rows.add(rss());
                case "slow" -> rows.add(slow());
                default -> throw new AssertionError(name);
            }
        }
        return rows;
    }

    /** Pairs of runs, the order flipping each time, so drift on a shared machine hits both alike. */
    private void interleave(Runnable ours, Runnable theirs) {
        List<Runnable> all = new ArrayList<>();
        all.add(ours);
        if (theirs != null) {
            all.add(theirs);
        }
        interleave(all);
    }

    /**
     * One run of each per round, the order rotating and reversing from round to
     * round, so drift on a shared machine hits all of them alike.
     */
    private void interleave(List<Runnable> runs) {
        int n = runs.size();
        for (int i = 0; i < cfg.runs(); i++) {
            for (int k = 0; k < n; k++) {
                int at = (i / 2 + (i % 2 == 0 ? k : n - 1 - k)) % n;
                runs.get(at).run();
            }
        }
    }

    /** Runs {@code body} with fdcapture's spool backing set to {@code b} ({@code null}: its own choice). */
    private static <T> T withBacking(String b, java.util.function.Supplier<T> body) {
        String before = System.getProperty(SPOOL);
        if (b == null) {
            System.clearProperty(SPOOL);
        } else {
            System.setProperty(SPOOL, b);
        }
        try {
            return body.get();
        } finally {
            if (before == null) {
                System.clearProperty(SPOOL);
            } else {
                System.setProperty(SPOOL, before);
            }
        }
    }

    /** The backings to compare ({@code backings=}), with the one in use, or none. */
    private List<String> compared() {
        if (cfg.backings().isEmpty()) {
            return List.of();
        }
        List<String> list = new ArrayList<>(cfg.backings());
        if (!list.contains(backing)) {
            list.add(0, backing);
        }
        return list;
    }

    private interface CRun {
        double run() throws IOException, InterruptedException;
    }

    private Runnable cInto(List<Double> into, CRun run) {
        if (c == null) {
            return null;
        }
        return () -> {
            try {
                into.add(run.run());
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    /**
     * A throughput row: fdcapture, the C spool (fdcapture's backing) and the C
     * pipe, interleaved; with {@code backings=}, fdcapture and the C spool on each
     * backing too, in the same rounds. The target is {@code spoolTarget} times the
     * C spool, and {@code pipeTarget} times the C pipe where that is not NaN.
     */
    private Row throughput(String workload, String cMode, long mib, java.util.function.LongFunction<Workloads.Sample> f,
                           double spoolTarget, double pipeTarget) {
        long bytes = mib << 20;
        f.apply(Math.max(1, bytes / 4)); // JIT warm-up, not recorded
        List<Double> ours = new ArrayList<>();
        List<Double> pipe = new ArrayList<>();
        List<Double> spool = new ArrayList<>();
        long[] dropped = new long[1];
        List<Runnable> runs = new ArrayList<>();
        runs.add(() -> ours.add(ourThroughput(workload, null, bytes, f, dropped)));
        if (c != null && c.hasPipe()) {
            runs.add(cInto(pipe, () -> {
                double v = c.throughput(cMode, mib);
                progress(fmt("  C pipe %s: %.3f GiB/s", cMode, v));
                return v;
            }));
        }
        if (c != null) {
            runs.add(cInto(spool, () -> cSpool(cMode, mib, backing)));
        }
        List<String> others = new ArrayList<>(compared());
        others.remove(backing); // measured above
        List<List<Double>> oursBy = new ArrayList<>();
        List<List<Double>> spoolBy = new ArrayList<>();
        for (String b : others) {
            List<Double> o = new ArrayList<>();
            List<Double> t = new ArrayList<>();
            oursBy.add(o);
            spoolBy.add(t);
            runs.add(() -> o.add(ourThroughput(workload, b, bytes, f, dropped)));
            if (c != null) {
                runs.add(cInto(t, () -> cSpool(cMode, mib, b)));
            }
        }
        interleave(runs);
        Series o = series(ours);
        Series t = series(spool);
        Series p = series(pipe);
        String note = fmt("%d MiB per run; C: `spoolbench %s %d`, `pipebench %s thread 0 %d`", mib, cMode, mib,
                cMode, mib) + dropNote(dropped[0]);
        Row.Verdict v;
        String target = fmt(">= %.1fx C spool", spoolTarget);
        if (c == null) {
            v = Row.Verdict.REPORTED;
        } else {
            v = Row.atLeast(o.median() / t.median(), spoolTarget);
            if (!Double.isNaN(pipeTarget) && c.hasPipe()) {
                v = Row.both(v, Row.atLeast(o.median() / p.median(), pipeTarget));
                target += fmt(", >= %.1fx C pipe", pipeTarget);
            }
        }
        if (dropped[0] > 0) {
            v = Row.Verdict.MISSED;
        }
        for (String b : compared()) {
            int at = others.indexOf(b);
            Series ob = at < 0 ? o : series(oursBy.get(at));
            Series tb = at < 0 ? t : series(spoolBy.get(at));
            backingRows.add(new Row(workload + ", " + b + (b.equals(backing) ? " (in use)" : ""), "GiB/s", ob, tb,
                    p, "-", Row.Verdict.REPORTED, ""));
        }
        return new Row(workload, "GiB/s", o, t, p, target, v, note);
    }

    private double ourThroughput(String workload, String b, long bytes,
                                 java.util.function.LongFunction<Workloads.Sample> f, long[] dropped) {
        Workloads.Sample s = withBacking(b, () -> f.apply(bytes));
        dropped[0] += s.dropped();
        progress(fmt("  fdcapture %s%s: %.3f GiB/s%s", workload, b == null ? "" : " [" + b + "]", s.value(),
                s.dropped() > 0 ? fmt(" DROPPED %.0f MiB", s.dropped() / MIB) : ""));
        return s.value();
    }

    private double cSpool(String mode, long mib, String b) throws IOException, InterruptedException {
        double v = c.spoolThroughput(mode, mib, b, CReference.SAME_WAKE);
        progress(fmt("  C spool %s [%s]: %.3f GiB/s", mode, b, v));
        return v;
    }

    private static String dropNote(long dropped) {
        return dropped > 0 ? fmt("; **%.0f MiB dropped** (backlog passed the limit)", dropped / MIB) : "; nothing dropped";
    }

    Row w64k() {
        // Where java.io.tmpdir is a disk filesystem, a spool there can beat a pipe (issue 12 asks 1.0x of it),
        // whichever backing fdcapture uses.
        double pipeTarget = onTmpfs(System.getProperty("java.io.tmpdir")) ? Double.NaN : 1.0;
        return throughput("64 KiB write()s, bytes to a counting `Sink.stream`", "w64k", cfg.w64kMiB(),
                Workloads::w64k, 0.9, pipeTarget);
    }

    Row printf80() {
        return throughput("printf of 80-byte lines (stdio), counting `Sink.stream`", "printf80", cfg.printfMiB(),
                Workloads::printf80, 0.9, Double.NaN);
    }

    Row printf80Child() {
        if (c == null) {
            return Row.alone("printf of 80-byte lines by a C child process (inheritIO), counting `Sink.stream`",
                    "GiB/s", Series.NONE, ">= 0.9x C spool", Row.Verdict.REPORTED, "not run: no C reference");
        }
        return throughput("printf of 80-byte lines by a C child process (inheritIO), counting `Sink.stream`",
                "printf80", cfg.printfMiB(), bytes -> Workloads.printf80Child(bytes, c::stdout80Writer),
                0.9, Double.NaN);
    }

    Row write80() {
        return throughput("one write() per 80-byte line, counting `Sink.stream`", "write80", cfg.write80MiB(),
                Workloads::write80, 0.9, Double.NaN);
    }

    Row lines() {
        long bytes = cfg.linesMiB() << 20;
        Workloads.lines64(Math.max(1, bytes / 4));
        List<Double> gib = new ArrayList<>();
        List<Double> perSecond = new ArrayList<>();
        long[] dropped = new long[1];
        interleave(() -> {
            Workloads.Sample s = Workloads.lines64(bytes);
            gib.add(s.value());
            perSecond.add(s.extra());
            dropped[0] += s.dropped();
            progress(fmt("  fdcapture lines: %.3f GiB/s, %.1f M lines/s", s.value(), s.extra() / 1e6));
        }, null);
        Series lps = series(perSecond);
        Series o = series(gib);
        Row.Verdict v = dropped[0] > 0 ? Row.Verdict.MISSED : Row.atLeast(o.median(), 1.0);
        return Row.alone("64-byte lines in 64 KiB write()s, `Sink.lines` counting", "GiB/s", o,
                ">= 1 GiB/s", v, fmt("%.1f M lines/s (%.1f-%.1f); %d MiB per run, until close() delivered the last"
                + " line (backlog unlimited: the writer is faster); no C mode for lines",
                lps.median() / 1e6, lps.min() / 1e6, lps.max() / 1e6, cfg.linesMiB()) + dropNote(dropped[0]));
    }

    List<Row> latency() {
        Workloads.latency(Math.min(1000, cfg.latLines()));
        Lat ours = new Lat();
        Lat pipe = new Lat();
        Lat spool = new Lat();
        Lat spin = new Lat();
        List<Runnable> runs = new ArrayList<>();
        runs.add(() -> ourLatency(null, ours));
        if (c != null) {
            if (c.hasPipe()) {
                runs.add(() -> cLatency("C pipe", pipe, c::latency));
            }
            runs.add(() -> cLatency("C spool " + CReference.SAME_WAKE, spool,
                    () -> c.spoolLatency(backing, CReference.SAME_WAKE)));
            runs.add(() -> cLatency("C spool spin", spin, () -> c.spoolLatency(backing, "spin")));
        }
        List<String> others = new ArrayList<>(compared());
        others.remove(backing);
        List<Lat> oursBy = new ArrayList<>();
        List<Lat> spoolBy = new ArrayList<>();
        for (String b : others) {
            Lat o = new Lat();
            Lat t = new Lat();
            oursBy.add(o);
            spoolBy.add(t);
            runs.add(() -> ourLatency(b, o));
            if (c != null) {
                runs.add(() -> cLatency("C spool " + CReference.SAME_WAKE + " [" + b + "]", t,
                        () -> c.spoolLatency(b, CReference.SAME_WAKE)));
            }
        }
        interleave(runs);
        for (String b : compared()) {
            int at = others.indexOf(b);
            Lat ob = at < 0 ? ours : oursBy.get(at);
            Lat tb = at < 0 ? spool : spoolBy.get(at);
            String name = "latency, " + b + (b.equals(backing) ? " (in use)" : "");
            backingRows.add(new Row(name + " p50", "us", series(ob.p50), series(tb.p50), series(pipe.p50), "-",
                    Row.Verdict.REPORTED, ""));
            backingRows.add(new Row(name + " p99", "us", series(ob.p99), series(tb.p99), series(pipe.p99), "-",
                    Row.Verdict.REPORTED, ""));
        }
        String note = fmt("%d lines 100 us apart, stamped before write(), timed in the `Sink.lines` callback; "
                + "C: `spoolbench lat`, `pipebench lat thread 0 0` (10 000 lines, timed at the reader's read)",
                cfg.latLines());
        Series p50 = series(ours.p50);
        Series p99 = series(ours.p99);
        Row.Verdict v50 = c == null ? Row.Verdict.REPORTED : Row.atMost(p50.median() / series(spool.p50).median(), 1.5);
        Row.Verdict v99 = c == null ? Row.Verdict.REPORTED : Row.atMost(p99.median() / series(spool.p99).median(), 2);
        return List.of(
                new Row("write-to-callback latency p50", "us", p50, series(spool.p50), series(pipe.p50),
                        "<= 1.5x C spool", v50, note),
                new Row("write-to-callback latency p99", "us", p99, series(spool.p99), series(pipe.p99),
                        "<= 2x C spool", v99, "same runs"),
                new Row("latency p50, C spool with a spinning reader (the limit of polling)", "us", Series.NONE,
                        series(spin.p50), Series.NONE, "report", Row.Verdict.REPORTED,
                        "`WAKE=spin spoolbench lat`: `pread` and `sched_yield` while caught up, same runs"),
                new Row("latency p99, C spool with a spinning reader", "us", Series.NONE, series(spin.p99),
                        Series.NONE, "report", Row.Verdict.REPORTED, "same runs"));
    }

    /** p50 and p99 samples of one latency series. */
    private static final class Lat {
        final List<Double> p50 = new ArrayList<>();
        final List<Double> p99 = new ArrayList<>();
    }

    private interface CLatency {
        double[] run() throws IOException, InterruptedException;
    }

    private void ourLatency(String b, Lat into) {
        Workloads.Sample s = withBacking(b, () -> Workloads.latency(cfg.latLines()));
        into.p50.add(s.value());
        into.p99.add(s.extra());
        progress(fmt("  fdcapture lat%s: p50 %.1f us, p99 %.1f us", b == null ? "" : " [" + b + "]", s.value(),
                s.extra()));
    }

    private static void cLatency(String name, Lat into, CLatency run) {
        try {
            double[] v = run.run();
            into.p50.add(v[0]);
            into.p99.add(v[1]);
            progress(fmt("  %s lat: p50 %.1f us, p99 %.1f us", name, v[0], v[1]));
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    List<Row> empty() {
        // Warm up until the JIT has settled, then time batches.
        long until = System.nanoTime() + (cfg.quick() ? 200_000_000L : 2_000_000_000L);
        while (System.nanoTime() < until) {
            Workloads.emptyCaptures(100);
        }
        List<Double> us = new ArrayList<>();
        interleave(() -> {
            double v = Workloads.emptyCaptures(cfg.emptyCycles());
            us.add(v);
            progress(fmt("  empty capture: %.1f us/cycle", v));
        }, null);
        Series o = series(us);
        Workloads.BackToBack b = Workloads.backToBack(cfg.emptyCycles());
        progress(fmt("  back to back: %d cycles, %.1f us/cycle, %s", b.cycles(), b.microsPerCycle(),
                b.failure() == null ? "no failure" : b.failure()));
        return List.of(
                Row.alone("warm empty `capture()` (fd 1 and 2, start + close), loop", "us/cycle", o,
                        "<= 30 us", Row.atMost(o.median(), 30),
                        fmt("%d batches of %d cycles after a warm-up; a start failing with EMFILE is retried"
                                + " after an untimed pause (see next row)", cfg.runs(), cfg.emptyCycles())),
                Row.alone("empty `capture()` back to back, no pauses", "us/cycle", Series.of(b.microsPerCycle()),
                        "no failure", b.failure() == null ? Row.Verdict.MET : Row.Verdict.MISSED,
                        b.failure() == null ? fmt("%d cycles without a failure", b.cycles())
                                : fmt("**failed after %d cycles**: %s", b.cycles(), b.failure())));
    }

    /**
     * System calls per warm empty capture of both fds: {@code strace -f} over a
     * fresh JVM running {@link SyscallCount}, counting every thread's calls
     * between its two marker calls, divided by the number of captures.
     */
    Row syscalls() throws IOException, InterruptedException {
        String target = "<= 20";
        int n = cfg.syscallCaptures();
        Path trace = cfg.workDir().resolve("syscalls.trace");
        Files.createDirectories(cfg.workDir());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of("strace", "-f", "-qq", "-o", trace.toString(), java,
                "--enable-native-access=ALL-UNNAMED", "-D" + BACKEND + "=" + backend(), "-cp", jarredClassPath(),
                SyscallCount.class.getName(), Integer.toString(Math.max(100, n / 5)), Integer.toString(n));
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return Row.alone("system calls per warm empty `capture()` (fd 1 and 2)", "calls", Series.NONE, target,
                    Row.Verdict.REPORTED, "not run: strace not found (" + e.getMessage() + ")");
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("strace run timed out");
        }
        if (p.exitValue() != 0 || !out.contains("captures=" + n)) {
            return Row.alone("system calls per warm empty `capture()` (fd 1 and 2)", "calls", Series.NONE, target,
                    Row.Verdict.REPORTED, "not run: strace failed (" + p.exitValue() + "): " + out.strip());
        }
        // Each call is attributed by thread id: the capturing thread (the one that stats
        // the start marker) and fdcapture's own threads (named fdcapture-*, as the JVM
        // tells the kernel with prctl) against the JVM's (JIT compilers, GC, service).
        // futex is counted apart: a lock's slow path, taken only under contention (a
        // safepoint, a compiler thread), never a step of a capture.
        java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
        java.util.Map<String, String> names = new java.util.HashMap<>();
        int own = 0;
        int ownFutex = 0;
        int jvm = 0;
        String capturing = null;
        for (String line : Files.readAllLines(trace)) {
            Matcher named = THREAD_NAME.matcher(line);
            if (named.find()) {
                names.put(named.group(1), named.group(2));
            }
            if (line.contains(SyscallCount.START)) {
                capturing = line.substring(0, line.indexOf(' '));
                continue;
            }
            if (line.contains(SyscallCount.END)) {
                break;
            }
            // "PID name(args) = rc", or "PID name(args <unfinished ...>" then "PID <... name resumed>": count once.
            Matcher m = SYSCALL.matcher(line);
            if (capturing != null && m.find()) {
                String tid = line.substring(0, line.indexOf(' '));
                boolean ours = tid.equals(capturing) || names.getOrDefault(tid, "").startsWith("fdcapture-");
                if (!ours) {
                    jvm++;
                } else if (m.group(1).equals("futex")) {
                    ownFutex++;
                } else {
                    own++;
                    counts.merge(m.group(1), 1, Integer::sum);
                }
            }
        }
        Files.deleteIfExists(trace);
        double per = (double) own / n;
        StringBuilder each = new StringBuilder();
        counts.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue())
                .filter(e -> e.getValue() >= n / 20)
                .forEach(e -> each.append(each.length() == 0 ? "" : ", ").append(e.getKey()).append(' ')
                        .append(Table.num((double) e.getValue() / n)));
        progress(fmt("  %d system calls in %d empty captures by fdcapture's threads: %s; futex %d; JVM threads %d",
                own, n, counts, ownFutex, jvm));
        return Row.alone("system calls per warm empty `capture()` (fd 1 and 2)", "calls", Series.of(per), target,
                // Judged as shown, to one decimal: a rare event (an inotify read, an mprotect)
                // adds a few calls in 10 000 captures; the exact count is in the notes.
                Row.atMost(Math.round(per * 10) / 10.0, 20), fmt("`strace -f` over %d captures after %d warm-up"
                        + " ones, by the capturing thread and fdcapture's threads: %s (exactly %d calls); besides,"
                        + " futex (lock contention) %s on those threads and %s calls on the JVM's own threads (JIT,"
                        + " GC)", n, Math.max(100, n / 5), each, own, Table.num((double) ownFutex / n),
                        Table.num((double) jvm / n)));
    }

    /** The JVM names each thread for the kernel: {@code PID prctl(PR_SET_NAME, "name"...}. */
    private static final Pattern THREAD_NAME = Pattern.compile("^(\\d+)\\s+prctl\\(PR_SET_NAME, \"([^\"]*)\"");
    private static final Pattern SYSCALL = Pattern.compile("^\\d+\\s+([a-z0-9_]+)\\(");

    List<Row> jmh() throws RunnerException {
        OptionsBuilder ob = new OptionsBuilder();
        ob.include(EmptyCaptureBenchmark.class.getName() + "\\.")
                .verbosity(VerboseMode.SILENT)
                .shouldFailOnError(true)
                .jvmArgsAppend("--enable-native-access=ALL-UNNAMED");
        if (cfg.quick()) {
            // In-process: the smoke run only proves the benchmark starts and finishes.
            ob.forks(0).warmupIterations(0).measurementIterations(1).measurementTime(TimeValue.milliseconds(200));
        } else {
            ob.forks(1).warmupIterations(3).warmupTime(TimeValue.seconds(1))
                    .measurementIterations(cfg.runs()).measurementTime(TimeValue.seconds(1));
        }
        Collection<RunResult> results = new Runner(ob.build()).run();
        List<Row> rows = new ArrayList<>();
        for (RunResult rr : results) {
            String method = rr.getParams().getBenchmark();
            method = method.substring(method.lastIndexOf('.') + 1);
            List<Double> scores = new ArrayList<>();
            for (BenchmarkResult br : rr.getBenchmarkResults()) {
                for (IterationResult ir : br.getIterationResults()) {
                    scores.add(ir.getPrimaryResult().getScore());
                }
            }
            Series o = series(scores);
            progress(fmt("  JMH %s: %.1f us/op", method, rr.getPrimaryResult().getScore()));
            boolean both = method.equals("capture");
            rows.add(Row.alone("warm empty `" + method + "()`, JMH" + (both ? " (fd 1 and 2)" : " (fd 1 only)"),
                    "us/op", o, "<= 30 us", Row.atMost(o.median(), 30),
                    fmt("JMH %s, avgt, score %.1f +- %.1f", cfg.quick() ? "in-process" : "1 fork",
                            rr.getPrimaryResult().getScore(), rr.getPrimaryResult().getScoreError())));
        }
        return rows;
    }

    private static final Pattern FIRST = Pattern.compile("first_ms=([0-9.]+) second_us=([0-9.]+)");

    List<Row> first() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = jarredClassPath();
        List<String> plain = List.of(java, "--enable-native-access=ALL-UNNAMED", "-D" + BACKEND + "=" + backend(),
                "-cp", cp, FirstCapture.class.getName());
        // JDK 25's AOT cache (JEP 483/514/515): one training run writes the cache.
        List<String> aot = null;
        String aotProblem = null;
        if (Runtime.version().feature() >= 25) {
            Path cache = cfg.workDir().resolve("first-capture.aot");
            Files.createDirectories(cfg.workDir());
            Files.deleteIfExists(cache);
            List<String> train = new ArrayList<>(plain);
            train.add(1, "-XX:AOTCacheOutput=" + cache);
            try {
                spawn(train);
                if (Files.isRegularFile(cache)) {
                    aot = new ArrayList<>(plain);
                    aot.add(1, "-XX:AOTCache=" + cache);
                } else {
                    aotProblem = "training run wrote no cache";
                }
            } catch (IOException e) {
                aotProblem = e.getMessage();
            }
        } else {
            aotProblem = "needs JDK 25";
        }
        List<Double> firstMs = new ArrayList<>();
        List<Double> secondUs = new ArrayList<>();
        List<Double> wallMs = new ArrayList<>();
        List<Double> aotMs = new ArrayList<>();
        List<Double> aotWallMs = new ArrayList<>();
        List<String> aotCommand = aot;
        interleave(() -> {
            double[] r = spawnUnchecked(plain);
            firstMs.add(r[0]);
            secondUs.add(r[1]);
            wallMs.add(r[2]);
            progress(fmt("  fresh JVM: first capture %.1f ms, second %.0f us, process %.0f ms", r[0], r[1], r[2]));
        }, aotCommand == null ? null : () -> {
            double[] r = spawnUnchecked(aotCommand);
            aotMs.add(r[0]);
            aotWallMs.add(r[2]);
            progress(fmt("  fresh JVM, AOT cache: first capture %.1f ms, process %.0f ms", r[0], r[2]));
        });
        List<Row> rows = new ArrayList<>();
        rows.add(Row.alone("first capture in a fresh JVM", "ms", series(firstMs), "report",
                Row.Verdict.REPORTED, fmt("second capture %.0f us; whole `java` process %.0f ms",
                series(secondUs).median(), series(wallMs).median())));
        rows.add(Row.alone("first capture in a fresh JVM, with a JDK 25 AOT cache", "ms", series(aotMs),
                "report", aotCommand == null ? Row.Verdict.REPORTED : Row.Verdict.REPORTED,
                aotCommand == null ? "not run: " + aotProblem
                        : fmt("`-XX:AOTCache` from one training run; whole process %.0f ms",
                        series(aotWallMs).median())));
        return rows;
    }

    /** The agent's startup rows: 10 runs of each side at least, interleaved (issue 10). */
    List<Row> startup() throws IOException, InterruptedException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> entries = new ArrayList<>();
        for (String e : cp.split(java.io.File.pathSeparator)) {
            // The agent's jar carries core too; the fresh JVMs get it only through -javaagent.
            if (!e.isEmpty() && !Path.of(e).getFileName().toString().startsWith("fdcapture-agent")) {
                entries.add(e);
            }
        }
        String agent = System.getProperty("agent.jar");
        return new StartupRows(cfg.quick() ? 1 : Math.max(10, cfg.runs()), String.join(java.io.File.pathSeparator,
                entries), agent == null ? null : Path.of(agent), cfg.workDir()).run();
    }

    /**
     * The class path for a fresh JVM, with every directory packed into a jar: the
     * AOT cache refuses class paths with non-empty directories. Under Surefire the
     * real class path is in {@code surefire.test.class.path}.
     */
    private String jarredClassPath() throws IOException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> out = new ArrayList<>();
        int n = 0;
        for (String entry : cp.split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            if (Files.isDirectory(p)) {
                Path jar = cfg.workDir().resolve("classpath-" + n++ + ".jar");
                Jars.pack(p, jar);
                out.add(jar.toString());
            } else if (!entry.isEmpty()) {
                out.add(entry);
            }
        }
        return String.join(java.io.File.pathSeparator, out);
    }

    private double[] spawnUnchecked(List<String> command) {
        try {
            return spawn(command);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {first capture ms, second capture us, process wall ms}. */
    private static double[] spawn(List<String> command) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("fresh JVM timed out");
        }
        double wall = (System.nanoTime() - t0) / 1e6;
        Matcher m = FIRST.matcher(out);
        if (p.exitValue() != 0 || !m.find()) {
            throw new IOException("fresh JVM failed (" + p.exitValue() + "): " + out);
        }
        return new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)), wall};
    }

    Row rss() {
        long rate = 512L << 20; // half of what Sink.lines sustains here: a sink that keeps up
        Workloads.bigLines(Math.min(cfg.rssMiB(), 256) << 20, rate); // the same path warmed up, heap settled
        Workloads.MemorySample s = Workloads.bigLines(cfg.rssMiB() << 20, rate);
        progress(fmt("  %d MiB of lines: %.2f GiB/s, RSS +%.1f MiB, spool peak %.1f MiB, dropped %.0f MiB",
                cfg.rssMiB(), s.gibPerSecond(), s.rssGrowth() / MIB, s.peakSpool() / MIB, s.dropped() / MIB));
        double growth = s.rssGrowth() / MIB;
        Row.Verdict v = s.dropped() > 0 ? Row.Verdict.MISSED : Row.atMost(growth, 64);
        return Row.alone(fmt("%d MiB of 64-byte lines at 512 MiB/s through a counting `Sink.lines`", cfg.rssMiB()),
                "MiB RSS growth", Series.of(growth), "< 64 MiB", v,
                fmt("spool (%s, outside RSS) peaked at %.1f MiB; %.2f GiB/s; heap fixed at 512 MiB and pre-touched%s",
                        backing, s.peakSpool() / MIB, s.gibPerSecond(), s.peakReset() ? "" : "; VmHWM reset not allowed, sampled")
                        + dropNote(s.dropped()));
    }

    Row slow() {
        Workloads.OverloadSample s = Workloads.slowSink(cfg.slowSeconds(), cfg.slowWriterRate(),
                cfg.slowBacklogLimit());
        progress(fmt("  slow sink: wrote %.0f MiB, delivered %.0f, dropped %.0f, spool peak %.1f MiB, RSS +%.1f MiB",
                s.written() / MIB, s.delivered() / MIB, s.dropped() / MIB, s.peakSpool() / MIB, s.rssGrowth() / MIB));
        boolean accounted = s.delivered() + s.dropped() == s.written();
        // The reader checks the limit between sink calls, so the backlog may pass it by what
        // the writer adds during one sink call (a 256 KiB read at a tenth of the writer's rate;
        // twice that for scheduling noise) plus consumed bytes not yet released (8 MiB steps).
        long slack = 2 * (cfg.slowWriterRate() / 40) + (9L << 20);
        boolean bounded = s.peakSpool() <= s.limit() + slack;
        // Writing 10x faster than the sink for long enough must overflow the limit.
        boolean overflowExpected = s.written() * 0.9 > s.limit() + slack;
        boolean dropsAsDocumented = overflowExpected == (s.dropped() > 0);
        Row.Verdict v = accounted && bounded && dropsAsDocumented ? Row.Verdict.MET : Row.Verdict.MISSED;
        return Row.alone(fmt("sink 10x slower than a %.0f MiB/s writer for %.0f s, backlogLimit %.0f MiB",
                cfg.slowWriterRate() / MIB, cfg.slowSeconds(), s.limit() / MIB),
                "MiB spool peak", Series.of(s.peakSpool() / MIB),
                "backlog <= limit + one sink call, rest dropped and counted", v,
                fmt("allowed peak %.1f MiB; wrote %.0f MiB, delivered %.0f, dropped %.0f (%s); RSS +%.1f MiB;"
                                + " close took until %.1f s", (s.limit() + slack) / MIB,
                        s.written() / MIB, s.delivered() / MIB, s.dropped() / MIB,
                        accounted ? "written = delivered + dropped" : "**bytes unaccounted for**",
                        s.rssGrowth() / MIB, s.seconds()));
    }

    /** Whether {@code dir} is on tmpfs (memory), from /proc/self/mounts: the longest mount point that contains it. */
    static boolean onTmpfs(String dir) {
        try {
            Path real = Path.of(dir).toRealPath();
            String best = "";
            String type = "";
            for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
                String[] f = line.split(" ");
                if (f.length > 2 && real.startsWith(f[1]) && f[1].length() >= best.length()) {
                    best = f[1];
                    type = f[2];
                }
            }
            return type.equals("tmpfs");
        } catch (IOException e) {
            return false;
        }
    }

    private static Series series(List<Double> values) {
        return new Series(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static String osRelease() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        } catch (IOException e) {
            return System.getProperty("os.version");
        }
    }

    static void progress(String line) {
        System.err.println(line);
    }
}
