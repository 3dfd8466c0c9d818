package dev.fdcapture.junit;

import dev.fdcapture.Captured;
import dev.fdcapture.NativeOutput;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.engine.TestExecutionResult.Status;

import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What must hold 4: failures reach the report, the fds come back whatever the
 * test does, the annotation applies where JUnit users expect, captures nest.
 * The tests run the fixture classes below with JUnit's launcher, as Surefire
 * would, and read what the extension echoed to the report.
 */
@Timeout(60)
class LifecycleTest {

    // ---- fixtures: run only through InnerRun ----

    @CaptureNativeOutput
    static class AroundEach {
        @BeforeEach
        void before(CapturedOutput output) {
            Libc.write(1, "before\n");
            assertEquals("before\n", output.out());
        }

        @Test
        void test(CapturedOutput output) {
            Libc.write(1, "test\n");
            System.out.println("java in test");
            assertEquals("before\ntest\njava in test\n", output.out());
        }

        @AfterEach
        void after(CapturedOutput output) {
            Libc.write(2, "after\n");
            assertEquals("before\ntest\njava in test\n", output.out());
            assertEquals("after\n", output.err());
            assertEquals("before\ntest\njava in test\nafter\n", output.all());
        }
    }

    static class EchoModes {
        @Test
        @CaptureNativeOutput
        void always_fails() {
            Libc.write(1, "A always, failing\n");
            System.err.println("A java err");
            throw new AssertionError("A fails");
        }

        @Test
        @CaptureNativeOutput
        void always_passes() {
            Libc.write(1, "B always, passing\n");
        }

        @Test
        @CaptureNativeOutput(echo = Echo.ON_FAILURE)
        void on_failure_fails() {
            Libc.write(1, "C on failure, failing\n");
            throw new AssertionError("C fails");
        }

        @Test
        @CaptureNativeOutput(echo = Echo.ON_FAILURE)
        void on_failure_passes() {
            Libc.write(1, "D on failure, passing\n");
        }

        @Test
        @CaptureNativeOutput(echo = Echo.ON_FAILURE)
        void on_failure_aborted() {
            Libc.write(1, "E on failure, aborted\n");
            Assumptions.assumeTrue(false, "not here");
        }

        @Test
        @CaptureNativeOutput(echo = Echo.NEVER)
        void never_fails() {
            Libc.write(1, "F never, failing\n");
            throw new AssertionError("F fails");
        }
    }

    @CaptureNativeOutput(echo = Echo.NEVER)
    static class Throwing {
        @Test
        void throws_after_writing() {
            Libc.write(1, "written\n");
            Libc.write(2, "written\n");
            throw new IllegalStateException("boom");
        }

        @Test
        void throws_from_a_child_process_test() {
            Libc.shell("echo child");
            throw new Error("an Error, not an Exception");
        }
    }

    @CaptureNativeOutput(echo = Echo.NEVER)
    static class FailingBeforeEach {
        @BeforeEach
        void fails() {
            Libc.write(1, "before the failure\n");
            throw new IllegalStateException("in @BeforeEach");
        }

        @Test
        void never_runs() {
        }
    }

    @CaptureNativeOutput(echo = Echo.NEVER)
    static class Outer {
        @Test
        void outer(CapturedOutput output) {
            Libc.write(1, "outer\n");
            assertEquals("outer\n", output.out());
        }

        @Nested
        class Inner {
            @Test
            void inherits_the_capture(CapturedOutput output) {
                Libc.write(1, "inner\n");
                assertEquals("inner\n", output.out());
            }

            @Test
            @CaptureNativeOutput(echo = Echo.ALWAYS)
            void nearest_echo_wins(CapturedOutput output) {
                Libc.write(1, "echoed from the nested class\n");
            }
        }
    }

    @CaptureNativeOutput(echo = Echo.NEVER)
    static class Nesting {
        @Test
        void a_capture_inside_gets_its_own_output(CapturedOutput output) {
            Libc.write(1, "outer before\n");
            String[] during = new String[1];
            Captured inner = NativeOutput.capture(() -> {
                Libc.write(1, "inner 1\n");
                // Reading the outer capture meanwhile must not take the inner one's output;
                // it shows what had arrived (the outer one cannot collect past the inner one).
                during[0] = output.out();
                Libc.write(1, "inner 2\n");
                System.out.println("inner java");
            });
            Libc.write(1, "outer after\n");
            assertEquals("inner 1\ninner 2\ninner java\n", inner.stdout());
            assertEquals("outer before\nouter after\n", output.out());
            assertTrue("outer before\n".startsWith(during[0]), during[0]);
        }
    }

    @CaptureNativeOutput
    static class BeforeAllParameter {
        @BeforeAll
        static void before(CapturedOutput output) {
        }

        @Test
        void test() {
        }
    }

    @ExtendWith(NativeOutputExtension.class)
    static class WithoutLocks {
        static final CyclicBarrier BOTH = new CyclicBarrier(2);

        @Test
        void one() throws Exception {
            BOTH.await(2, TimeUnit.SECONDS);
        }

        @Test
        void two() throws Exception {
            BOTH.await(2, TimeUnit.SECONDS);
        }
    }

    @CaptureNativeOutput(echo = Echo.NEVER)
    static class RegisteredTwice {
        @RegisterExtension
        static NativeOutputExtension again = new NativeOutputExtension(Echo.ALWAYS);

        @Test
        void one_capture(CapturedOutput output) {
            Libc.write(1, "once\n");
            assertEquals("once\n", output.out());
        }
    }

    // ---- the tests ----

    @Test
    void one_capture_covers_before_each_the_test_and_after_each_and_each_reads_it_so_far() {
        InnerRun run = InnerRun.of(AroundEach.class).assertAllPassed();
        assertEquals("before\ntest\njava in test\n", run.reportOut);
        assertEquals("after\n", run.reportErr);
    }

    @Test
    void a_failing_test_has_its_output_in_the_report_with_always_and_on_failure_and_never_with_never() {
        InnerRun run = InnerRun.of(EchoModes.class);
        assertEquals(Status.FAILED, run.result("EchoModes#always_fails").getStatus());
        assertEquals(Status.FAILED, run.result("EchoModes#on_failure_fails").getStatus());
        assertEquals(Status.ABORTED, run.result("EchoModes#on_failure_aborted").getStatus());
        assertEquals(Status.SUCCESSFUL, run.result("EchoModes#on_failure_passes").getStatus());
        String report = run.reportOut;
        assertTrue(report.contains("A always, failing\n"), report);
        assertTrue(run.reportErr.contains("A java err\n"), run.reportErr);
        assertTrue(report.contains("B always, passing\n"), report);
        assertTrue(report.contains("C on failure, failing\n"), report);
        assertFalse(report.contains("D on failure"), report);
        assertFalse(report.contains("E on failure"), "an aborted test is not a failure: " + report);
        assertFalse(report.contains("F never"), report);
        assertEquals("A fails", run.message("EchoModes#always_fails"));
    }

    @Test
    void a_test_that_throws_has_the_fds_and_system_streams_restored() {
        String fd1 = Libc.identity(1);
        String fd2 = Libc.identity(2);
        InnerRun run = InnerRun.of(Throwing.class, FailingBeforeEach.class);
        assertEquals("boom", run.message("Throwing#throws_after_writing"));
        assertEquals("an Error, not an Exception", run.message("Throwing#throws_from_a_child_process_test"));
        assertEquals("in @BeforeEach", run.message("FailingBeforeEach#never_runs"));
        assertEquals(fd1, Libc.identity(1), "fd 1");
        assertEquals(fd2, Libc.identity(2), "fd 2");
        assertTrue(run.streamsRestored, "System.out and System.err are the launcher's again");
        assertEquals("", run.reportOut, "echo = NEVER, and nothing escaped the capture");
    }

    @Test
    void nested_classes_inherit_the_annotation_a_class_annotation_applies_to_every_test_and_the_nearest_echo_wins() {
        InnerRun run = InnerRun.of(Outer.class).assertAllPassed();
        assertEquals(3, run.results.size(), run.results.keySet().toString());
        assertEquals("echoed from the nested class\n", run.reportOut);
    }

    @Test
    void native_output_capture_inside_a_captured_test_gets_its_own_inner_capture() {
        InnerRun.of(Nesting.class).assertAllPassed();
    }

    @Test
    void captured_output_in_before_all_is_refused_with_a_message_that_says_where_it_can_be_used() {
        InnerRun run = InnerRun.of(BeforeAllParameter.class);
        String message = run.results.values().stream().flatMap(r -> r.getThrowable().stream())
                .map(Throwable::getMessage).findFirst().orElse("");
        assertTrue(message.contains("@Test, @BeforeEach and @AfterEach"), message);
    }

    @Test
    void two_captures_at_once_without_the_annotations_locks_fail_with_a_message_naming_the_fix() {
        InnerRun run = InnerRun.of(Map.of(
                "junit.jupiter.execution.parallel.enabled", "true",
                "junit.jupiter.execution.parallel.mode.default", "concurrent",
                "junit.jupiter.execution.parallel.config.strategy", "fixed",
                "junit.jupiter.execution.parallel.config.fixed.parallelism", "2"), WithoutLocks.class);
        long failed = run.results.values().stream().filter(r -> r.getStatus() == Status.FAILED).count();
        assertEquals(2, failed, "the second cannot capture, the first then waits for it in vain");
        String messages = run.message("WithoutLocks#one") + run.message("WithoutLocks#two");
        assertTrue(messages.contains("at the same time"), messages);
        assertTrue(messages.contains("@ResourceLock(NativeOutputExtension.FDS)"), messages);
    }

    @Test
    void the_annotation_and_a_registered_instance_together_make_one_capture() {
        InnerRun.of(RegisteredTwice.class).assertAllPassed();
    }
}
