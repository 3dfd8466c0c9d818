package dev.fdcapture.bench;

/**
 * One line of the results table.
 *
 * @param workload what ran
 * @param unit     the unit of both series
 * @param ours     fdcapture's samples
 * @param c        the C reference's samples from the same run, interleaved; empty where there is none
 * @param target   the target from issue 4, as text
 * @param verdict  whether the median met it
 * @param note     what else the run showed (drops, lines/s, memory)
 */
record Row(String workload, String unit, Series ours, Series c, String target, Verdict verdict, String note) {

    enum Verdict {
        MET("yes"), MISSED("**no**"), REPORTED("-"), BROKEN("**failed**");

        final String text;

        Verdict(String text) {
            this.text = text;
        }
    }

    /** Median of ours over median of C, or NaN. */
    double ratio() {
        return c.isEmpty() ? Double.NaN : ours.median() / c.median();
    }

    static Verdict atLeast(double value, double limit) {
        return Double.isFinite(value) ? (value >= limit ? Verdict.MET : Verdict.MISSED) : Verdict.BROKEN;
    }

    static Verdict atMost(double value, double limit) {
        return Double.isFinite(value) ? (value <= limit ? Verdict.MET : Verdict.MISSED) : Verdict.BROKEN;
    }
}
