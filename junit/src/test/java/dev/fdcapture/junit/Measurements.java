package dev.fdcapture.junit;

import dev.fdcapture.junit.internal.CaptureSession;

import java.util.Arrays;
import java.util.Locale;

/**
 * Not a test: the numbers the README quotes. Run with
 * {@code mvn -B -q -pl junit -am verify -Pmeasure -DskipTests}.
 *
 * <ul>
 * <li>What a {@link CapturedOutput} read costs (it collects everything written so
 * far by rolling over to a new redirection).</li>
 * <li>How close {@link CapturedOutput#all()} keeps the order between fd 1 and
 * fd 2: a write to one fd, then after a gap one to the other, many times per
 * gap; the share that came out in write order.</li>
 * </ul>
 */
public final class Measurements {
    private Measurements() {
    }

    public static void main(String[] args) {
        StringBuilder report = new StringBuilder();
        readCost(report);
        crossStreamOrder(report);
        System.out.print(report);
    }

    private static void readCost(StringBuilder report) {
        CaptureSession s = CaptureSession.start("measurement", false, null);
        long[] afterWrite = new long[3000];
        long[] idle = new long[3000];
        try {
            for (int i = 0; i < afterWrite.length; i++) {
                Libc.write(1, "line " + i + "\n");
                long t0 = System.nanoTime();
                s.output().out();
                afterWrite[i] = System.nanoTime() - t0;
                t0 = System.nanoTime();
                s.output().out();
                idle[i] = System.nanoTime() - t0;
            }
        } finally {
            s.close();
        }
        report.append(String.format(Locale.ROOT, "CapturedOutput.out() right after a native write: median %.0f us,"
                + " p99 %.0f us; with nothing new: median %.0f us, p99 %.0f us (%d reads, first 1000 as warm-up)%n",
                percentile(afterWrite, 50), percentile(afterWrite, 99), percentile(idle, 50), percentile(idle, 99),
                afterWrite.length - 1000));
    }

    private static void crossStreamOrder(StringBuilder report) {
        long[] gapsNs = {0, 1_000, 10_000, 100_000, 1_000_000, 5_000_000};
        int trials = 300;
        report.append("all(): share of pairs in write order, ").append(trials).append(" pairs per gap\n");
        report.append("gap        fd 1 then fd 2   fd 2 then fd 1\n");
        for (long gap : gapsNs) {
            double outFirst = pairs(gap, trials, 1, 2);
            double errFirst = pairs(gap, trials, 2, 1);
            report.append(String.format(Locale.ROOT, "%-10s %14.1f %% %14.1f %%%n", gap / 1000 + " us",
                    outFirst * 100, errFirst * 100));
        }
    }

    private static double pairs(long gapNs, int trials, int first, int second) {
        CaptureSession s = CaptureSession.start("measurement", false, null);
        String all;
        try {
            for (int t = 0; t < trials; t++) {
                Libc.write(first, "a" + t + "\n");
                spin(gapNs);
                Libc.write(second, "b" + t + "\n");
                spin(3_000_000); // pairs well apart from each other
            }
            all = s.output().all();
        } finally {
            s.close();
        }
        int inOrder = 0;
        for (int t = 0; t < trials; t++) {
            int a = all.indexOf("a" + t + "\n");
            int b = all.indexOf("b" + t + "\n");
            if (a < 0 || b < 0) {
                throw new AssertionError("pair " + t + " missing from " + all);
            }
            if (a < b) {
                inOrder++;
            }
        }
        return inOrder / (double) trials;
    }

    /** Waits {@code ns}: spinning below 50 us (a sleep is not that precise), sleeping above, which frees the core. */
    private static void spin(long ns) {
        if (ns >= 50_000) {
            java.util.concurrent.locks.LockSupport.parkNanos(ns);
            return;
        }
        long until = System.nanoTime() + ns;
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
    }

    private static double percentile(long[] ns, int p) {
        long[] warm = Arrays.copyOfRange(ns, 1000, ns.length);
        Arrays.sort(warm);
        return warm[Math.min(warm.length - 1, warm.length * p / 100)] / 1000.0;
    }
}
