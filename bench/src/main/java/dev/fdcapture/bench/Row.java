package dev.fdcapture.bench;

/**
 * One line of the results table.
 *
 * @param workload what ran
 * @param unit     the unit of every series
 * @param ours     fdcapture's samples
 * @param spool    the C spool reference's samples from the same run, interleaved (the transport fdcapture
 *                 uses, in C); empty where there is none
 * @param pipe     the C pipe reference's samples from the same run, interleaved, or the reference the
 *                 workload names ("with the agent / without"); empty where there is none
 * @param target   the target, as text
 * @param verdict  whether the median met it
 * @param note     what else the run showed (drops, lines/s, memory)
 */
record Row(String workload, String unit, Series ours, Series spool, Series pipe, String target, Verdict verdict,
           String note) {

    enum Verdict {
        MET("yes"), MISSED("**no**"), REPORTED("-"), BROKEN("**failed**");

        final String text;

        Verdict(String text) {
            this.text = text;
        }
    }

    /** A row with no C reference. */
    static Row alone(String workload, String unit, Series ours, String target, Verdict verdict, String note) {
        return new Row(workload, unit, ours, Series.NONE, Series.NONE, target, verdict, note);
    }

    /** Median of ours over median of the C spool, or NaN. */
    double spoolRatio() {
        return ratio(spool);
    }

    /** Median of ours over median of the C pipe, or NaN. */
    double pipeRatio() {
        return ratio(pipe);
    }

    private double ratio(Series c) {
        return c.isEmpty() || ours.isEmpty() ? Double.NaN : ours.median() / c.median();
    }

    static Verdict atLeast(double value, double limit) {
        return Double.isFinite(value) ? (value >= limit ? Verdict.MET : Verdict.MISSED) : Verdict.BROKEN;
    }

    static Verdict atMost(double value, double limit) {
        return Double.isFinite(value) ? (value <= limit ? Verdict.MET : Verdict.MISSED) : Verdict.BROKEN;
    }

    /** Both verdicts must be met; a broken one wins. */
    static Verdict both(Verdict a, Verdict b) {
        if (a == Verdict.BROKEN || b == Verdict.BROKEN) {
            return Verdict.BROKEN;
        }
        return a == Verdict.MET && b == Verdict.MET ? Verdict.MET : Verdict.MISSED;
    }
}
