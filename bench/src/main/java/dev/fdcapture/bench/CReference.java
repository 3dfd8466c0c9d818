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

/**
 * The C reference, {@code pipebench.c}: a C writer and a C reader on one pipe,
 * the physical limit of the machine. Compiled once into the work directory and
 * run as a child process between fdcapture's runs.
 */
final class CReference {
    private static final Pattern GIBS = Pattern.compile("GiB/s=([0-9.]+)");
    private static final Pattern LAT = Pattern.compile("p50_us=([0-9.]+) p99_us=([0-9.]+)");

    private final Path binary;

    private CReference(Path binary) {
        this.binary = binary;
    }

    /** Compiles {@code source} with {@code gcc -O2 -pthread}; throws with gcc's message if that fails. */
    static CReference build(Path source, Path workDir) throws IOException, InterruptedException {
        if (!Files.isRegularFile(source)) {
            throw new IOException("C reference not found: " + source
                    + " (set -Dpipebench.source=/path/to/pipebench.c)");
        }
        Files.createDirectories(workDir);
        Path binary = workDir.resolve("pipebench");
        String out = run(List.of("gcc", "-O2", "-pthread", "-o", binary.toString(), source.toString()), 120);
        if (!Files.isExecutable(binary)) {
            throw new IOException("gcc did not produce " + binary + ": " + out);
        }
        return new CReference(binary);
    }

    /** {@code pipebench MODE thread 0 MB}: GiB/s. */
    double throughput(String mode, long mebibytes) throws IOException, InterruptedException {
        String out = run(List.of(binary.toString(), mode, "thread", "0", Long.toString(mebibytes)), 300);
        check(out);
        Matcher m = GIBS.matcher(out);
        if (!m.find()) {
            throw new IOException("unexpected pipebench output: " + out);
        }
        return Double.parseDouble(m.group(1));
    }

    /** {@code pipebench lat thread 0 0}: {p50, p99} in microseconds over 10 000 lines 100 us apart. */
    double[] latency() throws IOException, InterruptedException {
        String out = run(List.of(binary.toString(), "lat", "thread", "0", "0"), 300);
        check(out);
        Matcher m = LAT.matcher(out);
        if (!m.find()) {
            throw new IOException("unexpected pipebench output: " + out);
        }
        return new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))};
    }

    static String gccVersion() {
        try {
            String v = run(List.of("gcc", "-dumpfullversion"), 30).strip();
            return v.isEmpty() ? "unknown" : v;
        } catch (IOException | InterruptedException e) {
            return "unavailable";
        }
    }

    private static void check(String out) throws IOException {
        if (out.contains("MISMATCH")) {
            throw new IOException("pipebench lost bytes: " + out);
        }
    }

    /** Runs a command to the end and returns its output (stdout and stderr merged). */
    private static String run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true);
        pb.environment().remove("PIN"); // let the scheduler place writer and reader, as for fdcapture
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
