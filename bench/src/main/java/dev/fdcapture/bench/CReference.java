package dev.fdcapture.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The C references, compiled once into the work directory and run as child
 * processes between fdcapture's runs: {@code pipebench.c}, a C writer and a C
 * reader on one pipe (what users compare with), and {@code spoolbench.c}, the
 * same transport as fdcapture's (a writer appending to an O_APPEND reopen of the
 * spool's file, a reader thread {@code pread}ing behind it and punching holes),
 * in C: the limit of that transport, with a chosen backing and wake-up.
 */
final class CReference {
    private static final Pattern GIBS = Pattern.compile("GiB/s=([0-9.]+)");
    private static final Pattern LAT = Pattern.compile("p50_us=([0-9.]+) p99_us=([0-9.]+)");

    /**
     * How fdcapture's reader waits, in {@code spoolbench} terms (keep in step with
     * {@code SpoolReader.LINGER_NANOS} and its drain loop): inotify, IN_MODIFY
     * switched off while the writer keeps it busy, and after such a spell it waits
     * {@value #LINGER_US} us and looks again before it sleeps.
     */
    static final String SAME_WAKE = "inotify";
    static final int LINGER_US = 20;

    private final Path pipe;
    private final Path spool;

    private CReference(Path pipe, Path spool) {
        this.pipe = pipe;
        this.spool = spool;
    }

    /** Compiles both with {@code gcc -O2 -pthread}; throws with gcc's message if that fails. */
    static CReference build(Path pipeSource, Path spoolSource, Path workDir) throws IOException, InterruptedException {
        return new CReference(compile(pipeSource, "pipebench", workDir), compile(spoolSource, "spoolbench", workDir));
    }

    /**
     * The C spool alone: {@code spoolbench} is this repository's, {@code pipebench}
     * lives in {@code ../shared}, which a clone elsewhere does not have. The pipe
     * rows then have no C number; {@link #hasPipe()} says so.
     */
    static CReference spoolOnly(Path spoolSource, Path workDir) throws IOException, InterruptedException {
        return new CReference(null, compile(spoolSource, "spoolbench", workDir));
    }

    /** Whether {@code pipebench} is there. */
    boolean hasPipe() {
        return pipe != null;
    }

    private static Path compile(Path source, String name, Path workDir) throws IOException, InterruptedException {
        if (!Files.isRegularFile(source)) {
            throw new IOException("C reference not found: " + source
                    + " (set -D" + name + ".source=/path/to/" + name + ".c)");
        }
        Files.createDirectories(workDir);
        Path binary = workDir.resolve(name);
        String out = run(List.of("gcc", "-O2", "-pthread", "-o", binary.toString(), source.toString()), 120, Map.of());
        if (!Files.isExecutable(binary)) {
            throw new IOException("gcc did not produce " + binary + ": " + out);
        }
        return binary;
    }

    /** {@code pipebench MODE thread 0 MB}: GiB/s. */
    double throughput(String mode, long mebibytes) throws IOException, InterruptedException {
        return gibs(run(List.of(pipe.toString(), mode, "thread", "0", Long.toString(mebibytes)), 300, Map.of()));
    }

    /** {@code pipebench lat thread 0 0}: {p50, p99} in microseconds over 10 000 lines 100 us apart. */
    double[] latency() throws IOException, InterruptedException {
        return percentiles(run(List.of(pipe.toString(), "lat", "thread", "0", "0"), 300, Map.of()));
    }

    /** {@code spoolbench stdout80 MB}: the printf80 writer alone, onto the fd 1 it inherits. */
    List<String> stdout80Writer(long mebibytes) {
        return List.of(spool.toString(), "stdout80", Long.toString(mebibytes));
    }

    /** {@code BACKING=backing WAKE=wake spoolbench MODE MB}: GiB/s. */
    double spoolThroughput(String mode, long mebibytes, String backing, String wake)
            throws IOException, InterruptedException {
        return gibs(run(List.of(spool.toString(), mode, Long.toString(mebibytes)), 300, env(backing, wake)));
    }

    /** {@code BACKING=backing WAKE=wake spoolbench lat 0}: {p50, p99} in microseconds, as {@link #latency()}. */
    double[] spoolLatency(String backing, String wake) throws IOException, InterruptedException {
        return percentiles(run(List.of(spool.toString(), "lat", "0"), 300, env(backing, wake)));
    }

    private static Map<String, String> env(String backing, String wake) {
        return Map.of("BACKING", backing, "WAKE", wake,
                "LINGER_US", Integer.toString(wake.equals(SAME_WAKE) ? LINGER_US : 0));
    }

    private static double gibs(String out) throws IOException {
        check(out);
        Matcher m = GIBS.matcher(out);
        if (!m.find()) {
            throw new IOException("unexpected C reference output: " + out);
        }
        return Double.parseDouble(m.group(1));
    }

    private static double[] percentiles(String out) throws IOException {
        check(out);
        Matcher m = LAT.matcher(out);
        if (!m.find()) {
            throw new IOException("unexpected C reference output: " + out);
        }
        return new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))};
    }

    static String gccVersion() {
        try {
            String v = run(List.of("gcc", "-dumpfullversion"), 30, Map.of()).strip();
            return v.isEmpty() ? "unknown" : v;
        } catch (IOException | InterruptedException e) {
            return "unavailable";
        }
    }

    private static void check(String out) throws IOException {
        if (out.contains("MISMATCH")) {
            throw new IOException("the C reference lost bytes: " + out);
        }
    }

    /** Runs a command to the end and returns its output (stdout and stderr merged). */
    private static String run(List<String> command, int timeoutSeconds, Map<String, String> env)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true);
        pb.environment().remove("PIN"); // let the scheduler place writer and reader, as for fdcapture
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] bytes = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + command);
        }
        String out = new String(bytes, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(command + " exited with " + p.exitValue() + ": " + out);
        }
        return out;
    }
}
