package dev.fdcapture.bench;

import java.util.List;
import java.util.Locale;

/** The results as a Markdown table, ready for the README. */
final class Table {
    private Table() {
    }

    static String markdown(List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("| workload | unit | fdcapture median (min-max) | C spool median (min-max) | ratio to spool"
                + " | C pipe (or as named) median (min-max) | ratio to it | target | met | notes |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            sb.append("| ").append(r.workload())
                    .append(" | ").append(r.unit())
                    .append(" | ").append(r.ours().isEmpty() ? "-" : cell(r.ours()))
                    .append(" | ").append(r.spool().isEmpty() ? "-" : cell(r.spool()))
                    .append(" | ").append(ratio(r.spoolRatio()))
                    .append(" | ").append(r.pipe().isEmpty() ? "-" : cell(r.pipe()))
                    .append(" | ").append(ratio(r.pipeRatio()))
                    .append(" | ").append(r.target())
                    .append(" | ").append(r.verdict().text)
                    .append(" | ").append(r.note() == null ? "" : r.note())
                    .append(" |\n");
        }
        return sb.toString();
    }

    private static String ratio(double r) {
        return Double.isNaN(r) ? "-" : fmt("%.2fx", r);
    }

    static String cell(Series s) {
        if (s.isEmpty()) {
            return "n/a";
        }
        if (s.count() == 1) {
            return num(s.median()) + " (1 run)";
        }
        return num(s.median()) + " (" + num(s.min()) + "-" + num(s.max()) + ")";
    }

    static String num(double v) {
        if (!Double.isFinite(v)) {
            return "n/a";
        }
        double a = Math.abs(v);
        if (a >= 100) {
            return fmt("%.0f", v);
        }
        if (a >= 10) {
            return fmt("%.1f", v);
        }
        if (a >= 1) {
            return fmt("%.2f", v);
        }
        return fmt("%.3f", v);
    }

    static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
