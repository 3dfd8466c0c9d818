package dev.fdcapture.bench;

import dev.fdcapture.NativeOutput;
import dev.fdcapture.Redirection;
import dev.fdcapture.Sink;

import java.util.Locale;

/**
 * Run in a fresh JVM: what the agent's premain pays, nothing linked before it:
 * {@code isSupported()} and {@code start()} of a redirection of both fds, timed
 * together; then a child's line proves the capture works. Prints {@code ms=...}.
 */
public final class ColdCapture {
    private ColdCapture() {
    }

    public static void main(String[] args) throws Exception {
        long t0 = System.nanoTime();
        if (!NativeOutput.isSupported()) {
            throw new IllegalStateException(NativeOutput.unsupportedCause().orElseThrow());
        }
        Sink.Buffer out = Sink.buffer();
        Redirection r = NativeOutput.redirect().stdout(out).stderr(Sink.buffer()).start();
        long t1 = System.nanoTime();
        new ProcessBuilder("sh", "-c", "echo x").inheritIO().start().waitFor();
        r.close();
        if (!out.text().equals("x\n")) {
            throw new IllegalStateException("captured " + out.text());
        }
        System.out.printf(Locale.ROOT, "ms=%.3f%n", (t1 - t0) / 1e6);
    }
}
