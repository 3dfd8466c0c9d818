package dev.fdcapture.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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

    StartupRows(int runs, String classPath, Path agentJar) {
        this.runs = runs;
        this.classPath = classPath;
        this.agentJar = agentJar;
    }

    List<Row> run() throws IOException, InterruptedException {
        List<Row> rows = new ArrayList<>();
        if (agentJar == null || !Files.isRegularFile(agentJar)) {
            rows.add(Row.alone("hello world process, with the agent / without", "ms", Series.NONE,
                    "<= +150 ms", Row.Verdict.BROKEN, "no agent jar at " + agentJar + " (-Dagent.jar=...)"));
        } else {
            // The hello world's own class path: nothing but its class (no SLF4J for to=logs to find).
            String own;
            try {
                own = Path.of(HelloWorld.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
            } catch (java.net.URISyntaxException e) {
                throw new IOException(e);
            }
            List<String> plain = List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", own,
                    HelloWorld.class.getName());
            List<String> agent = new ArrayList<>(plain);
            agent.add(2, "-javaagent:" + agentJar);
            double[] with = new double[runs];
            double[] without = new double[runs];
            for (int i = 0; i < runs; i++) {
                boolean agentFirst = i % 2 == 0;
                with[i] = agentFirst ? wall(agent) : Double.NaN;
                without[i] = wall(plain);
                if (!agentFirst) {
                    with[i] = wall(agent);
                }
                Harness.progress(fmt("  hello world: %.0f ms with the agent, %.0f ms without", with[i], without[i]));
            }
            Series w = Series.of(with);
            Series wo = Series.of(without);
            double added = w.median() - wo.median();
            rows.add(new Row("hello world process, with the agent / without", "ms", w, Series.NONE, wo, "<= +150 ms",
                    Row.atMost(added, 150), fmt("the agent adds %.0f ms (medians)", added)));
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
