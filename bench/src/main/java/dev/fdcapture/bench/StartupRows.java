package dev.fdcapture.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.fdcapture.bench.Table.fmt;

/**
 * The agent's startup rows (issue 10), each from fresh JVMs, the two sides
 * interleaved: a hello world's whole process with {@code -javaagent} and
 * without, and the first capture ({@code isSupported()} and {@code start()},
 * nothing linked before) against the JVM's own first FFM downcall.
 */
final class StartupRows {
    private static final Pattern MS = Pattern.compile("ms=([0-9.]+)");

    private final int runs;
    private final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private final String classPath;
    private final Path agentJar;
    private final Path workDir;

    StartupRows(int runs, String classPath, Path agentJar, Path workDir) {
        this.runs = runs;
        this.classPath = classPath;
        this.agentJar = agentJar;
        this.workDir = workDir;
    }

    List<Row> run() throws IOException, InterruptedException {
        List<Row> rows = new ArrayList<>();
        if (agentJar == null || !Files.isRegularFile(agentJar)) {
            rows.add(Row.alone("hello world process, with the agent / without", "ms", Series.NONE,
                    "<= +150 ms", Row.Verdict.BROKEN, "no agent jar at " + agentJar + " (-Dagent.jar=...)"));
        } else {
            // The hello world's own class path: nothing but the bench's classes, in a jar (a JDK
            // AOT cache refuses a class path with a non-empty directory); no SLF4J for to=logs.
            Path own;
            try {
                own = Path.of(HelloWorld.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            } catch (java.net.URISyntaxException e) {
                throw new IOException(e);
            }
            Path helloJar = workDir.resolve("hello-world.jar");
            if (Files.isDirectory(own)) {
                Jars.pack(own, helloJar);
                own = helloJar;
            }
            List<String> plain = List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", own.toString(),
                    HelloWorld.class.getName());
            List<String> agent = new ArrayList<>(plain);
            agent.add(2, "-javaagent:" + agentJar);
            List<String> cached = aotCache(agent);
            double[] with = new double[runs];
            double[] without = new double[runs];
            double[] withCache = new double[cached == null ? 0 : runs];
            for (int i = 0; i < runs; i++) {
                // Each run in turn first: the machine's drift falls on every side alike.
                List<Runnable> sides = new ArrayList<>();
                int at = i;
                sides.add(() -> with[at] = wallUnchecked(agent));
                sides.add(() -> without[at] = wallUnchecked(plain));
                if (cached != null) {
                    sides.add(() -> withCache[at] = wallUnchecked(cached));
                }
                Collections.rotate(sides, i);
                sides.forEach(Runnable::run);
                Harness.progress(fmt("  hello world: %.0f ms with the agent, %.0f ms without", with[i], without[i])
                        + (cached == null ? "" : fmt(", %.0f ms with the agent and an AOT cache", withCache[i])));
            }
            Series w = Series.of(with);
            Series wo = Series.of(without);
            double added = w.median() - wo.median();
            rows.add(new Row("hello world process, with the agent / without", "ms", w, Series.NONE, wo, "<= +150 ms",
                    Row.atMost(added, 150), fmt("the agent adds %.0f ms (medians)", added)));
            if (cached == null) {
                rows.add(Row.alone("hello world process, with the agent and a JDK 25 AOT cache", "ms", Series.NONE,
                        "report", Row.Verdict.REPORTED, "not run: needs JDK 25 and a training run that writes a cache"));
            } else {
                Series c = Series.of(withCache);
                rows.add(new Row("hello world process, with the agent and a JDK 25 AOT cache / without either", "ms",
                        c, Series.NONE, wo, "report", Row.Verdict.REPORTED, fmt("the agent adds %.0f ms (medians);"
                        + " `-XX:AOTCache` from one training run with the agent", c.median() - wo.median())));
            }
        }
        List<String> capture = List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", classPath,
                ColdCapture.class.getName());
        List<String> floor = List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", classPath,
                FirstDowncall.class.getName());
        double[] first = new double[runs];
        double[] downcall = new double[runs];
        for (int i = 0; i < runs; i++) {
            if (i % 2 == 0) {
                first[i] = reported(capture);
                downcall[i] = reported(floor);
            } else {
                downcall[i] = reported(floor);
                first[i] = reported(capture);
            }
            Harness.progress(fmt("  first capture %.1f ms, first FFM downcall %.1f ms", first[i], downcall[i]));
        }
        Series f = Series.of(first);
        Series d = Series.of(downcall);
        rows.add(new Row("first capture in a fresh JVM (isSupported + start) / the JVM's first FFM downcall", "ms",
                f, Series.NONE, d, "<= 1.3x", Row.atMost(f.median() / d.median(), 1.3), ""));
        return rows;
    }

    /**
     * {@code command} with a JDK 25 AOT cache written by one training run of it
     * (JEP 483/514/515: the operator's way to a faster start), or null where
     * there is none.
     */
    private List<String> aotCache(List<String> command) throws IOException, InterruptedException {
        if (Runtime.version().feature() < 25) {
            return null;
        }
        Files.createDirectories(workDir);
        Path cache = workDir.resolve("hello-world-agent.aot");
        Files.deleteIfExists(cache);
        List<String> train = new ArrayList<>(command);
        train.add(1, "-XX:AOTCacheOutput=" + cache);
        exec(train);
        if (!Files.isRegularFile(cache)) {
            return null;
        }
        List<String> cached = new ArrayList<>(command);
        cached.add(1, "-XX:AOTCache=" + cache);
        return cached;
    }

    private static double wallUnchecked(List<String> command) {
        try {
            return wall(command);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double wall(List<String> command) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        String out = exec(command);
        double ms = (System.nanoTime() - t0) / 1e6;
        if (!out.equals("hello\n")) {
            throw new IOException("hello world printed " + out);
        }
        return ms;
    }

    private static double reported(List<String> command) throws IOException, InterruptedException {
        String out = exec(command);
        Matcher m = MS.matcher(out);
        if (!m.find()) {
            throw new IOException("no ms= in " + out);
        }
        return Double.parseDouble(m.group(1));
    }

    private static String exec(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("fresh JVM timed out: " + command);
        }
        if (p.exitValue() != 0) {
            throw new IOException("fresh JVM failed (" + p.exitValue() + "): " + out);
        }
        return out;
    }
}
