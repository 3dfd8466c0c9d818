package dev.fdcapture.bench;

import dev.fdcapture.NativeOutput;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in a fresh JVM under {@code strace -f} by the harness: warms up, then runs
 * {@code N} empty captures of both fds between two marker calls (a {@code stat}
 * of a path that does not exist, which names itself in the trace), so the
 * harness counts exactly the system calls of those captures, in every thread.
 *
 * <pre>
 * java ... dev.fdcapture.bench.SyscallCount WARMUP N
 * </pre>
 */
public final class SyscallCount {
    static final String START = "/fdcapture-bench-syscalls-start";
    static final String END = "/fdcapture-bench-syscalls-end";

    private SyscallCount() {
    }

    public static void main(String[] args) throws Exception {
        int warmup = Integer.parseInt(args[0]);
        int n = Integer.parseInt(args[1]);
        for (int i = 0; i < warmup; i++) {
            NativeOutput.capture(() -> { });
        }
        Thread.sleep(200); // let the warm-up's stragglers (JIT, pooled threads) settle
        Files.exists(Path.of(START));
        for (int i = 0; i < n; i++) {
            NativeOutput.capture(() -> { });
        }
        Files.exists(Path.of(END));
        System.out.println("captures=" + n);
    }
}
