package dev.fdcapture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bodies that throw, sinks that throw or crawl, starts that fail half-way. */
class FailureTest extends FdLevelTest {

    @Test
    void the_body_exception_propagates_unchanged_after_everything_is_restored_and_delivered() {
        IOException boom = new IOException("boom");
        Sink.Buffer out = Sink.buffer();
        IOException thrown = assertThrows(IOException.class, () -> {
            try (Redirection r = NativeOutput.redirect().stdout(out).start()) {
                NativeWriters.printf("written before the throw");
                throw boom;
            }
        });
        assertSame(boom, thrown);
        assertEquals("written before the throw", out.text());
        IOException viaCapture = assertThrows(IOException.class, () -> NativeOutput.capture(() -> {
            throw boom;
        }));
        assertSame(boom, viaCapture);
    }

    /**
     * Issue 7 point 6: {@code MethodHandle.invokeExact}, the way FFM code calls
     * native functions, and JUnit's {@code Executable} throw {@code Throwable};
     * a body may throw it, and it comes out unchanged.
     */
    @Test
    void a_body_may_throw_any_throwable_such_as_method_handle_invocations_and_junit_executables() throws Throwable {
        // A block body: an expression lambda would make invokeExact's type (int,String)Object.
        MethodHandle write = MethodHandles.lookup().findStatic(NativeWriters.class, "write",
                MethodType.methodType(void.class, int.class, String.class));
        Captured c = NativeOutput.capture(() -> { write.invokeExact(1, "through invokeExact\n"); });
        assertEquals("through invokeExact\n", c.stdout());
        org.junit.jupiter.api.function.Executable executable = () -> NativeWriters.write(2, "from an Executable\n");
        assertEquals("from an Executable\n", NativeOutput.tapStderr(executable::execute));
        assertEquals("merged\n", NativeOutput.captureMerged(() -> { write.invokeExact(2, "merged\n"); }));
        assertEquals("", NativeOutput.tapStdout(() -> { write.invokeExact(2, ""); }));
        NativeOutput.silence(() -> { write.invokeExact(1, "silenced\n"); });

        Throwable plain = new Throwable("neither an Exception nor an Error");
        Throwable thrown = assertThrows(Throwable.class, () -> NativeOutput.capture(() -> {
            NativeWriters.write(1, "before the throwable\n");
            throw plain;
        }));
        assertSame(plain, thrown);
        assertEquals(0, thrown.getSuppressed().length, "nothing failed in the capture itself");
    }

    @Test
    void a_throwing_sink_does_not_block_writers_and_close_reports_its_first_failure() {
        IllegalStateException sinkFailure = new IllegalStateException("sink is broken");
        Sink.Buffer survivor = Sink.buffer();
        byte[] block = new byte[64 * 1024];
        java.util.Arrays.fill(block, (byte) 'x');
        block[block.length - 1] = '\n';
        Redirection r = NativeOutput.redirect()
                .stdout(Sink.tee(Sink.lines(line -> { throw sinkFailure; }), survivor)).start();
        // Far more than any pipe holds: a dead sink must not stop the draining.
        for (int i = 0; i < 256; i++) {
            NativeWriters.write(1, block);
        }
        CaptureException e = assertThrows(CaptureException.class, r::close);
        assertSame(sinkFailure, e.getCause());
        assertEquals(256 * block.length, survivor.size(), "the other sink of the tee kept receiving");
        assertEquals(0, e.errno());
        r.close(); // idempotent: nothing more to report
    }

    @Test
    void when_body_and_sink_both_fail_the_body_exception_wins_and_carries_the_sink_failure() {
        RuntimeException body = new RuntimeException("body");
        RuntimeException sink = new RuntimeException("sink");
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> {
            try (Redirection r = NativeOutput.redirect().stdout(Sink.lines(l -> { throw sink; })).start()) {
                NativeWriters.write(1, "line\n");
                throw body;
            }
        });
        assertSame(body, thrown);
        assertEquals(1, thrown.getSuppressed().length);
        assertSame(sink, thrown.getSuppressed()[0].getCause());
    }

    @Test
    void a_slow_sink_still_gets_every_line_when_close_times_out_on_it() {
        // FdCapture lost 1,865 of 5,000 lines this way: the close deadline is for
        // children holding the fd, never for delivering what was already written.
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        try (Redirection r = NativeOutput.redirect().closeTimeout(Duration.ofMillis(20))
                .stdout(Sink.lines(line -> {
                    sleepNanos(200_000);
                    lines.add(line);
                })).start()) {
            for (int i = 0; i < 5000; i++) {
                NativeWriters.write(1, i + "\n");
            }
        }
        assertEquals(5000, lines.size());
        for (int i = 0; i < 5000; i++) {
            assertEquals(Integer.toString(i), lines.get(i));
        }
    }

    @Test
    void a_sink_that_falls_behind_the_backlog_limit_loses_counted_bytes_not_silent_ones() {
        AtomicLong received = new AtomicLong();
        OutputStream slow = new OutputStream() {
            @Override
            public void write(int b) {
                received.incrementAndGet();
            }

            @Override
            public void write(byte[] b, int off, int len) {
                sleepNanos(20_000_000);
                received.addAndGet(len);
            }
        };
        byte[] block = new byte[64 * 1024];
        long written = 0;
        Redirection r = NativeOutput.redirect().backlogLimit(1 << 20).stdout(Sink.stream(slow)).start();
        try {
            for (int i = 0; i < 1024; i++) {
                NativeWriters.write(1, block);
                written += block.length;
            }
        } finally {
            r.close();
        }
        assertTrue(r.droppedBytes() > 0, "a 64 MiB burst into a 1 MiB backlog must drop");
        assertEquals(written, received.get() + r.droppedBytes(), "every byte is delivered or counted as dropped");
        assertEquals(received.get(), r.deliveredBytes());
    }

    @Test
    void a_start_that_fails_half_way_rolls_back_completely(@TempDir Path dir) {
        Path missing = dir.resolve("no/such/dir/out.txt");
        CaptureException direct = assertThrows(CaptureException.class, () -> NativeOutput.redirect()
                .stdout(Sink.buffer()).stderr(Sink.file(missing)).start());
        assertTrue(direct.getMessage().startsWith("open(\"" + missing + "\", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC)"
                + " failed: ENOENT (No such file or directory)"), direct.getMessage());
        assertEquals(2, direct.errno());
        assertTrue(direct.call().startsWith("open("));
        // Failing after fd 1 and fd 2 were already pointed at spools: a file in a tee.
        CaptureException late = assertThrows(CaptureException.class, () -> NativeOutput.redirect()
                .stdout(Sink.buffer()).stderr(Sink.tee(Sink.buffer(), Sink.appendTo(missing))).start());
        assertInstanceOf(CaptureException.class, late);
        // The restore checks of FdLevelTest verify that nothing was left behind.
    }

    private static void sleepNanos(long nanos) {
        long until = System.nanoTime() + nanos;
        while (System.nanoTime() < until) {
            java.util.concurrent.locks.LockSupport.parkNanos(until - System.nanoTime());
        }
    }

    @Test
    void a_sink_that_closes_its_own_redirection_gets_a_clear_error_instead_of_waiting_for_itself() {
        java.util.concurrent.atomic.AtomicReference<Redirection> self = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicReference<Throwable> seen = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.CountDownLatch called = new java.util.concurrent.CountDownLatch(1);
        Redirection r = NativeOutput.redirect().stdout(Sink.lines(line -> {
            try {
                self.get().close();
            } catch (Throwable t) {
                seen.set(t);
            } finally {
                called.countDown();
            }
        })).start();
        self.set(r);
        NativeWriters.write(1, "close yourself\n");
        try {
            called.await();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        r.close();
        assertInstanceOf(IllegalStateException.class, seen.get());
        assertEquals("a sink cannot close its own redirection; close it from another thread", seen.get().getMessage());
    }
}
