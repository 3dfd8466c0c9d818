package dev.fdcapture.junit.internal;

import dev.fdcapture.NativeOutput;
import dev.fdcapture.Redirection;
import dev.fdcapture.Sink;

import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The run-wide mode under Surefire's default fork channel: fd 1 and fd 2 of the
 * whole run go to Maven as Surefire output events, each in the place that makes
 * Maven put it into the report of the test that wrote it.
 *
 * <p>fd 1 carries Surefire's frames and everything else in write order; its
 * reader passes the frames on and turns the rest into {@code std-out} events
 * right there ({@link OutputFrames}), so stdout is filed exactly. fd 2 has a
 * reader of its own, whose {@code std-err} events go to Maven's pipe under the
 * same lock as fd 1's, as they come.
 *
 * <p>Maven files output under the test that ends next, so fd 2's lines must be
 * out before the frame that ends their test, and the next test's lines after
 * it. After each test (on the test's thread, right after Surefire wrote the
 * frame that ends it) {@link #testEnded()} writes a numbered marker to fd 2 and
 * then to fd 1. fd 1's reader holds a frame that ends a test, and what follows
 * it, until it reaches the fd 1 marker and fd 2's reader has reached the fd 2
 * marker with the same number; fd 2's reader waits at its marker until the held
 * frame is out. Markers never reach Maven. Each wait is bounded by
 * {@link #SYNC_TIMEOUT_MS}, so a lost marker costs time, never output.
 */
final class PipeRelay implements AutoCloseable {
    static final long SYNC_TIMEOUT_MS = 1000;
    /** A frame held this long without its marker (nothing of ours ended a test) is let go. */
    private static final long HOLD_LIMIT_NS = TimeUnit.MILLISECONDS.toNanos(200);

    /** The events after which Maven files output under the next test. */
    private static final Set<String> TEST_ENDS = Set.of("test-succeeded", "test-failed", "test-error",
            "test-assumption-failure", "testset-completed");

    private final String surefireVersion;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Object markerWriters = new Object();
    private final OutputStream fd1 = new FileOutputStream(FileDescriptor.out);
    private final OutputStream fd2 = new FileOutputStream(FileDescriptor.err);
    private final Redirection redirection;
    private final String fd1Identity;
    private final String fd2Identity;
    private OutputStream pipe;
    private volatile FrameSplitter stdoutSplitter;
    private long markersWritten;
    /** The last marker fd 2's reader reached. */
    private long stderrAt;
    /** The last marker fd 1's reader reached (and released what it held for). */
    private long stdoutAt;

    PipeRelay(String surefireVersion) {
        this.surefireVersion = surefireVersion;
        this.redirection = NativeOutput.redirect()
                .stdout(Sink.filter(original -> {
                    pipe = original;
                    return new StdoutStream();
                }))
                .stderr(Sink.filter(original -> new StderrStream()))
                .start();
        this.fd1Identity = CaptureSession.identity(1);
        this.fd2Identity = CaptureSession.identity(2);
    }

    @Override
    public void close() {
        redirection.close();
    }

    /**
     * A test (or container) ended: mark the place in fd 2, then in fd 1. Called on
     * the test's thread after Surefire's listener; does nothing while someone
     * else's redirection is on top of ours.
     */
    void testEnded() {
        if (fd1Identity == null || !fd1Identity.equals(CaptureSession.identity(1))
                || !fd2Identity.equals(CaptureSession.identity(2))) {
            return;
        }
        synchronized (markerWriters) {
            // Under one lock, so the markers of parallel tests are in the same order in both streams.
            byte[] marker = Markers.marker(++markersWritten);
            try {
                fd2.write(marker);
                fd1.write(marker);
            } catch (IOException e) {
                // the fds are gone (closing): nothing to keep in order any more
            }
        }
    }

    private void toPipe(byte[] b, int off, int len) throws IOException {
        lock.lock();
        try {
            pipe.write(b, off, len);
        } finally {
            lock.unlock();
        }
    }

    /** Waits (bounded) until {@code condition} holds; call with the lock held. */
    private void await(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SYNC_TIMEOUT_MS);
        boolean interrupted = false;
        while (!condition.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                changed.awaitNanos(left);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static OutputStream writer(IoWrite write) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                write.write(b, off, len);
            }
        };
    }

    @FunctionalInterface
    private interface IoWrite {
        void write(byte[] b, int off, int len) throws IOException;
    }

    /** fd 1: frames on, text into std-out events, test ends held until fd 2 caught up. */
    private final class StdoutStream extends OutputStream {
        private final ByteArrayOutputStream held = new ByteArrayOutputStream();
        private boolean holding;
        private long holdingSince;
        private final OutputFrames text = new OutputFrames(true, surefireVersion, writer(this::emit));
        private final Markers markers = new Markers(
                (b, off, len) -> text.write(b, off, len, runMode()), this::marker);
        private final FrameSplitter splitter = new FrameSplitter(new FrameSplitter.Receiver() {
            @Override
            public void text(byte[] bytes, int offset, int length) throws IOException {
                markers.write(bytes, offset, length);
            }

            @Override
            public void frame(byte[] bytes, int offset, int length) throws IOException {
                if (!holding && TEST_ENDS.contains(FrameSplitter.opcode(bytes, offset))) {
                    // Held from this frame on: fd 2's lines of the test must get to Maven before it.
                    holding = true;
                    holdingSince = System.nanoTime();
                }
                emit(bytes, offset, length);
            }
        }, surefireVersion);

        StdoutStream() {
            stdoutSplitter = splitter;
        }

        private byte[] runMode() {
            return splitter.runMode();
        }

        /** To Maven, or behind the held frame. */
        private void emit(byte[] b, int off, int len) throws IOException {
            if (holding && System.nanoTime() - holdingSince > HOLD_LIMIT_NS) {
                release();
            }
            if (holding) {
                held.write(b, off, len);
            } else {
                toPipe(b, off, len);
            }
        }

        private void release() throws IOException {
            holding = false;
            if (held.size() > 0) {
                toPipe(held.toByteArray(), 0, held.size());
                held.reset();
            }
        }

        private void marker(long id) throws IOException {
            lock.lock();
            try {
                if (holding) {
                    await(() -> stderrAt >= id);
                    release();
                }
                stdoutAt = Math.max(stdoutAt, id);
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            splitter.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            splitter.finish();
            markers.finish();
            text.finish(runMode());
            release();
        }
    }

    /** fd 2: std-err events onto the pipe; waits at each marker until fd 1 passed the same one. */
    private final class StderrStream extends OutputStream {
        private final OutputFrames text = new OutputFrames(false, surefireVersion, writer(PipeRelay.this::toPipe));
        private final Markers markers = new Markers((b, off, len) -> text.write(b, off, len, runMode()), id -> {
            lock.lock();
            try {
                stderrAt = Math.max(stderrAt, id);
                changed.signalAll();
                await(() -> stdoutAt >= id);
            } finally {
                lock.unlock();
            }
        });

        private byte[] runMode() {
            FrameSplitter s = stdoutSplitter;
            return s != null ? s.runMode() : "normal-run".getBytes(StandardCharsets.US_ASCII);
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            markers.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            markers.finish();
            text.finish(runMode());
        }
    }
}
