package dev.fdcapture.bench;

import dev.fdcapture.CaptureException;
import dev.fdcapture.Captured;
import dev.fdcapture.NativeOutput;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/**
 * A warm empty capture: redirect, deliver nothing, restore. What every
 * {@code NativeOutput.capture} in a test suite pays before the body runs.
 *
 * <p>A start failing with EMFILE (inotify instances used up, see
 * {@link Workloads#emptyCaptures}) waits {@link Workloads#PAUSE_MILLIS} and
 * retries, inside the timed operation: that is what a caller would pay.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class EmptyCaptureBenchmark {
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
