package dev.fdcapture.bench;

import java.util.Arrays;

/** Samples of one figure from repeated runs; the table shows median, min and max, never one run alone. */
record Series(double[] samples) {
    static final Series NONE = new Series(new double[0]);

    Series {
        samples = samples.clone();
        Arrays.sort(samples);
    }

    static Series of(double... samples) {
        return new Series(samples);
    }

    boolean isEmpty() {
        return samples.length == 0;
    }

    int count() {
        return samples.length;
    }

    double median() {
        int n = samples.length;
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
    }

    double min() {
        return samples.length == 0 ? Double.NaN : samples[0];
    }

    double max() {
        return samples.length == 0 ? Double.NaN : samples[samples.length - 1];
    }

    /** Whether every sample is a finite number: what the smoke test asserts. */
    boolean allFinite() {
        return samples.length > 0 && Arrays.stream(samples).allMatch(Double::isFinite);
    }
}
