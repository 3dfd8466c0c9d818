package dev.fdcapture.bench;

import dev.fdcapture.CaptureException;
import dev.fdcapture.Captured;
import dev.fdcapture.NativeOutput;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/**
 * A warm empty capture: redirect, deliver nothing, restore. What every
 * {@code NativeOutput.capture} in a test suite pays before the body runs.
 *
 * <p>Paced: after every {@link Workloads#BURST} invocations an untimed
 * {@link Workloads#PAUSE_MILLIS} pause lets the kernel free the inotify
 * instances the captures closed; back to back, captures fail with EMFILE once
 * {@code fs.inotify.max_user_instances} is reached (see {@code Harness}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class EmptyCaptureBenchmark {
    private int invocations;

    @Setup(Level.Invocation)
    public void pace() throws InterruptedException {
        if (++invocations % Workloads.BURST == 0) {
            Thread.sleep(Workloads.PAUSE_MILLIS);
        }
    }

    @Benchmark
    public Captured capture() {
        while (true) {
            try {
                return NativeOutput.capture(() -> { });
            } catch (CaptureException e) {
                retryLater(e);
            }
        }
    }

    @Benchmark
    public String tapStdout() {
        while (true) {
            try {
                return NativeOutput.tapStdout(() -> { });
            } catch (CaptureException e) {
                retryLater(e);
            }
        }
    }

    /**
     * Another process of the same user can use up the inotify instances; such a
     * retry shows as an outlier in the iteration, never as a failed run.
     */
    private static void retryLater(CaptureException e) {
        if (!Workloads.isInotifyLimit(e)) {
            throw e;
        }
        Workloads.pause(Workloads.PAUSE_MILLIS);
    }
}
