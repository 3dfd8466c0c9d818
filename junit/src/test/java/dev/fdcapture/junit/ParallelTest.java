package dev.fdcapture.junit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What must hold 3: under JUnit's parallel execution, captured tests take turns
 * and each capture holds exactly its own test's lines, while tests without the
 * annotation keep running in parallel.
 */
@Timeout(120)
class ParallelTest {
    private static final int UNCAPTURED = 4;

    /** Eight captured tests, each writing its own lines with pauses that invite others in between. */
    static class EightCaptured {
        static final Map<String, String> CAPTURED = new ConcurrentHashMap<>();

        private static void writeOwnLines(TestInfo info, CapturedOutput output) throws InterruptedException {
            String name = info.getTestMethod().orElseThrow().getName();
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < 20; i++) {
                Libc.write(1, name + " native " + i + "\n");
                System.out.println(name + " java " + i);
                expected.append(name).append(" native ").append(i).append('\n')
                        .append(name).append(" java ").append(i).append('\n');
                Thread.sleep(1);
            }
            String out = output.out();
            CAPTURED.put(name, out);
            assertEquals(expected.toString(), out);
        }

        @Test @CaptureNativeOutput(echo = Echo.NEVER)
        void t1(TestInfo i, CapturedOutput o) throws Exception {
            writeOwnLines(i, o);
        }

        @Test @CaptureNativeOutput(echo = Echo.NEVER)
        void t2(TestInfo i, CapturedOutput o) throws Exception {
            writeOwnLines(i, o);
        }

        @Test @CaptureNativeOutput(echo = Echo.NEVER)
        void t3(TestInfo i, CapturedOutput o) throws Exception {
            writeOwnLines(i, o);
        }

        @Test @CaptureNativeOutput(echo = Echo.NEVER)
        void t4(TestInfo i, CapturedOutput o) throws Exception {
            writeOwnLines(i, o);
        }

        @Test @CaptureNativeOutput(echo = Echo.NEVER)
        void t5(TestInfo i, CapturedOutput o) throws Exception {
            writeOwnLines(i, o);
        }

        @Test @CaptureNativeOutput(echo = Echo.NEVER)
        void t6(TestInfo i, CapturedOutput o) throws Exception {
            writeOwnLines(i, o);
        }

        @Test @CaptureNativeOutput(echo = Echo.NEVER)
        void t7(TestInfo i, CapturedOutput o) throws Exception {
            writeOwnLines(i, o);
        }

        @Test @CaptureNativeOutput(echo = Echo.NEVER)
        void t8(TestInfo i, CapturedOutput o) throws Exception {
            writeOwnLines(i, o);
        }
    }

    /** Tests without the annotation: they pass only if all of them run at the same time. */
    static class Uncaptured {
        static final CyclicBarrier ALL = new CyclicBarrier(UNCAPTURED);
        static final AtomicInteger RUNNING = new AtomicInteger();
        static final AtomicInteger MOST = new AtomicInteger();

        private static void meetTheOthers() throws Exception {
            MOST.accumulateAndGet(RUNNING.incrementAndGet(), Math::max);
            try {
                ALL.await(20, TimeUnit.SECONDS);
            } finally {
                RUNNING.decrementAndGet();
            }
        }

        @Test
        void u1() throws Exception {
            meetTheOthers();
        }

        @Test
        void u2() throws Exception {
            meetTheOthers();
        }

        @Test
        void u3() throws Exception {
            meetTheOthers();
        }

        @Test
        void u4() throws Exception {
            meetTheOthers();
        }
    }

    @Test
    void eight_captured_tests_in_parallel_mode_each_hold_exactly_their_own_lines_and_the_others_run_in_parallel() {
        InnerRun run = InnerRun.of(Map.of(
                "junit.jupiter.execution.parallel.enabled", "true",
                "junit.jupiter.execution.parallel.mode.default", "concurrent",
                "junit.jupiter.execution.parallel.mode.classes.default", "concurrent",
                "junit.jupiter.execution.parallel.config.strategy", "fixed",
                "junit.jupiter.execution.parallel.config.fixed.parallelism", "6"),
                EightCaptured.class, Uncaptured.class).assertAllPassed();
        assertEquals(12, run.results.size(), run.results.keySet().toString());
        assertEquals(8, EightCaptured.CAPTURED.size());
        EightCaptured.CAPTURED.forEach((name, out) -> {
            for (String line : out.split("\n")) {
                assertTrue(line.startsWith(name + " "), name + " got " + line);
            }
        });
        assertEquals(UNCAPTURED, Uncaptured.MOST.get(), "tests without the annotation ran side by side");
        assertEquals("", run.reportOut, "echo = NEVER and nothing escaped");
    }
}
