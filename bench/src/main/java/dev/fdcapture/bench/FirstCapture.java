package dev.fdcapture.bench;

import dev.fdcapture.NativeOutput;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Locale;

/**
 * Run in a fresh JVM by the harness: times the first capture (class loading,
 * linking fdcapture's downcall handles, the first reader thread) and a second
 * one, and prints {@code first_ms=... second_us=...} on stdout.
 */
public final class FirstCapture {
    private FirstCapture() {
    }

    public static void main(String[] args) {
        // The benchmark's own writer is linked first, so only fdcapture's first-use cost is timed.
        NativeIo.link();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = arena.allocateFrom("x\n");
            long t0 = System.nanoTime();
            String first = NativeOutput.tapStdout(() -> NativeIo.writeFully(1, x, 2));
            long t1 = System.nanoTime();
            String second = NativeOutput.tapStdout(() -> NativeIo.writeFully(1, x, 2));
            long t2 = System.nanoTime();
            if (!first.equals("x\n") || !second.equals("x\n")) {
                throw new IllegalStateException("captured " + first + " and " + second);
            }
            System.out.printf(Locale.ROOT, "first_ms=%.3f second_us=%.1f%n", (t1 - t0) / 1e6, (t2 - t1) / 1e3);
        }
    }
}
