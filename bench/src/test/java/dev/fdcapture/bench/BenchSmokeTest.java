package dev.fdcapture.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CI does not run the benchmarks; it runs every workload once on a tiny size so
 * that none of them rots. The figures mean nothing here.
 */
class BenchSmokeTest {

    @Test
    @Timeout(90)
    void every_workload_starts_finishes_and_produces_a_number() throws Exception {
        Path pipe = Path.of(System.getProperty("pipebench.source", "../../shared/bench/pipebench.c"));
        Path spool = Path.of(System.getProperty("spoolbench.source", "src/main/c/spoolbench.c"));
        Path workDir = Path.of(System.getProperty("bench.workdir", "target/bench-smoke"));
        Harness harness = new Harness(Harness.Config.quick(pipe, spool, workDir));

        List<Row> rows = harness.runAll();
        String table = Table.markdown(rows);
        System.err.println(table);

        List<String> workloads = new ArrayList<>();
        for (Row r : rows) {
            workloads.add(r.workload());
            assertNotEquals(Row.Verdict.BROKEN, r.verdict(), r.workload());
            if (r.note() != null && r.note().startsWith("not run:")) {
                continue; // an optional variant this JDK cannot do, said in the table
            }
            if (!r.ours().isEmpty()) {
                assertTrue(r.ours().allFinite(), () -> "no number for " + r.workload() + "\n" + table);
            }
            for (Series c : List.of(r.spool(), r.pipe())) {
                if (!c.isEmpty()) {
                    assertTrue(c.allFinite(), () -> "no C number for " + r.workload() + "\n" + table);
                }
            }
        }
        assertEquals(21, rows.size(), () -> "rows: " + workloads);
    }
}
