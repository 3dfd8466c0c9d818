package dev.fdcapture.junit.internal;

import dev.fdcapture.NativeOutput;
import dev.fdcapture.Redirection;
import dev.fdcapture.Sink;
import dev.fdcapture.junit.CapturedOutput;

import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The capture of one test: fd 1 and fd 2 redirected, {@code System.out} and
 * {@code System.err} pointed at them, everything recorded in write order.
 *
 * <p>Java's prints go to the fds themselves while the test runs (the
 * launcher's own {@code System.out} is kept for the echo), so native and Java
 * writes to one fd pass through one transport and keep their exact order.
 *
 * <p>A read collects everything written so far by rolling over to a new
 * redirection: the next one starts on top, then the current one is closed,
 * which flushes C stdio and waits until its reader delivered every byte written
 * before the new one took over. No write falls between the two. The new one
 * holds what it gets (Surefire's frames too) until the old one is done, so
 * generations stay in order.
 *
 * <p>Under Surefire's default channel, fd 1 goes through a {@link FrameSplitter}:
 * frames go on, untouched and in order, to where fd 1 pointed before (Maven's
 * pipe, or an enclosing capture that passes them on in turn).
 */
public final class CaptureSession {
    private static final AtomicReference<CaptureSession> ACTIVE = new AtomicReference<>();
    private static final byte[] WARM_UP = Markers.marker(0);
    private static final OutputStream WARM_UP_OUT = new FileOutputStream(FileDescriptor.out);
    private static final OutputStream WARM_UP_ERR = new FileOutputStream(FileDescriptor.err);

    private final String owner;
    private final boolean splitFrames;
    private final String surefireVersion;
    private final Recording recording = new Recording();
    private final Object lock = new Object();
    private final PrintStream previousOut;
    private final PrintStream previousErr;
    private final HandOverStream toFd1;
    private final HandOverStream toFd2;
    private final PrintStream ourOut;
    private final PrintStream ourErr;
    private final CapturedOutput output = new View();
    private Generation current;
    private boolean closed;
    private RuntimeException failure;

    private CaptureSession(String owner, boolean splitFrames, String surefireVersion) {
        this.owner = owner;
        this.splitFrames = splitFrames;
        this.surefireVersion = surefireVersion;
        this.previousOut = System.out;
        this.previousErr = System.err;
        this.toFd1 = new HandOverStream(new FileOutputStream(FileDescriptor.out));
        this.toFd2 = new HandOverStream(new FileOutputStream(FileDescriptor.err));
        this.ourOut = new PrintStream(toFd1, true, StandardCharsets.UTF_8);
        this.ourErr = new PrintStream(toFd2, true, StandardCharsets.UTF_8);
    }

    /**
     * Starts capturing for {@code owner} (a test's name, for messages).
     *
     * @param splitFrames     whether Surefire's frames may be on fd 1
     * @param surefireVersion the fork's Surefire version (it decides the frames' layout), or null
     * @throws IllegalStateException if another test's capture is active
     */
    public static CaptureSession start(String owner, boolean splitFrames, String surefireVersion) {
        CaptureSession s = new CaptureSession(owner, splitFrames, surefireVersion);
        CaptureSession other = ACTIVE.compareAndExchange(null, s);
        if (other != null) {
            throw new IllegalStateException(owner + " and " + other.owner + " capture native output at the same"
                    + " time, but fd 1 and fd 2 belong to the whole process. @CaptureNativeOutput takes resource"
                    + " locks that keep such tests apart; with @ExtendWith(NativeOutputExtension.class) or"
                    + " @RegisterExtension alone, add @ResourceLock(NativeOutputExtension.FDS) to those tests.");
        }
        try {
            s.current = s.new Generation(false);
            s.current.start();
        } catch (RuntimeException | Error e) {
            ACTIVE.compareAndSet(s, null);
            throw e;
        }
        System.setOut(s.ourOut);
        System.setErr(s.ourErr);
        return s;
    }

    /** The view a test reads. */
    public CapturedOutput output() {
        return output;
    }

    /**
     * Ends the capture: {@code System.out}/{@code System.err} back to what they
     * were, the fds restored, everything written delivered. Idempotent.
     *
     * @throws RuntimeException what the redirection's close threw (a sink failed), or an earlier read's failure
     */
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            try {
                // Java first: a print from now on goes to the launcher's stream, never raw onto a restored fd 1.
                toFd1.handOver(previousOut);
                toFd2.handOver(previousErr);
                if (System.out == ourOut) {
                    System.setOut(previousOut);
                }
                if (System.err == ourErr) {
                    System.setErr(previousErr);
                }
                try {
                    current.redirection.close();
                } catch (RuntimeException e) {
                    failed(e);
                }
                recording.finish();
            } finally {
                ACTIVE.compareAndSet(this, null);
            }
            if (failure != null) {
                throw failure;
            }
        }
    }

    /** Prints what was captured to the streams that were {@code System.out}/{@code System.err} before, in order. */
    public void echo() {
        recording.replay(previousOut, previousErr);
    }

    /** Collects everything written so far (see the class comment). */
    private void collect() {
        synchronized (lock) {
            if (closed || !current.stillOnTop()) {
                // Closed: all is there. Not on top: a redirection of the test's own is
                // active; rolling over would take its output, so read what arrived.
                return;
            }
            Generation next = new Generation(true);
            try {
                next.start();
            } catch (RuntimeException e) {
                failed(e);
                return;
            }
            try {
                current.redirection.close();
            } catch (RuntimeException e) {
                failed(e);
            } finally {
                current = next;
                next.release();
            }
        }
    }

    private void failed(RuntimeException e) {
        if (failure == null) {
            failure = e;
        } else if (failure != e) {
            failure.addSuppressed(e);
        }
    }

    /** One redirection of the chain, with what it holds back until the one before it is done. */
    private final class Generation {
        private final Object frameLock = new Object();
        private boolean holdText;
        private boolean holdFrames;
        private final List<Object[]> heldText = new ArrayList<>();
        private final ByteArrayOutputStream heldFrames = new ByteArrayOutputStream();
        private OutputStream original;
        private Redirection redirection;
        private String fd1;
        private String fd2;

        Generation(boolean hold) {
            this.holdText = hold;
            this.holdFrames = hold;
        }

        void start() {
            Sink stdout = Sink.filter(o -> {
                original = o;
                return splitFrames ? new SplittingStream(this, surefireVersion) : new TextStream(this, false);
            });
            redirection = NativeOutput.redirect().stdout(stdout).stderr(Sink.filter(o -> new TextStream(this, true)))
                    .start();
            fd1 = identity(1);
            fd2 = identity(2);
            // Readers start at the first write to their fd; a marker (taken out again)
            // starts both now, so the test's first write to fd 2 is not delivered late,
            // behind later fd 1 writes, while its reader is still starting.
            try {
                WARM_UP_ERR.write(WARM_UP);
                WARM_UP_OUT.write(WARM_UP);
            } catch (IOException e) {
                failed(new java.io.UncheckedIOException(e));
            }
        }

        /** Whether fd 1 and fd 2 still refer to this generation's spools. */
        boolean stillOnTop() {
            return fd1 != null && fd1.equals(identity(1)) && fd2 != null && fd2.equals(identity(2));
        }

        void text(boolean stderr, byte[] b, int off, int len) {
            synchronized (recording) {
                if (holdText) {
                    heldText.add(new Object[] {stderr, java.util.Arrays.copyOfRange(b, off, off + len)});
                } else {
                    recording.append(stderr, b, off, len);
                }
            }
        }

        void frame(byte[] b, int off, int len) throws IOException {
            synchronized (frameLock) {
                if (holdFrames) {
                    heldFrames.write(b, off, len);
                } else {
                    original.write(b, off, len);
                }
            }
        }

        /** The generation before is closed: what was held back goes on, and from now on everything at once. */
        void release() {
            synchronized (frameLock) {
                if (heldFrames.size() > 0) {
                    try {
                        heldFrames.writeTo(original);
                    } catch (IOException e) {
                        failed(new java.io.UncheckedIOException("cannot pass Surefire's messages on", e));
                    }
                    heldFrames.reset();
                }
                holdFrames = false;
            }
            synchronized (recording) {
                for (Object[] t : heldText) {
                    byte[] bytes = (byte[]) t[1];
                    recording.append((Boolean) t[0], bytes, 0, bytes.length);
                }
                heldText.clear();
                holdText = false;
            }
        }
    }

    /** fd 1 through the frame splitter: frames on, text into the recording. */
    private static final class SplittingStream extends OutputStream {
        private final FrameSplitter splitter;
        private final Markers markers;

        SplittingStream(Generation g, String surefireVersion) {
            this.markers = new Markers((b, off, len) -> g.text(false, b, off, len), id -> { });
            this.splitter = new FrameSplitter(new FrameSplitter.Receiver() {
                @Override
                public void text(byte[] bytes, int offset, int length) throws IOException {
                    markers.write(bytes, offset, length);
                }

                @Override
                public void frame(byte[] bytes, int offset, int length) throws IOException {
                    g.frame(bytes, offset, length);
                }
            }, surefireVersion);
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
        }
    }

    /** One fd's bytes into the recording, warm-up markers taken out. */
    private static final class TextStream extends OutputStream {
        private final Markers markers;

        TextStream(Generation generation, boolean stderr) {
            this.markers = new Markers((b, off, len) -> generation.text(stderr, b, off, len), id -> { });
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
        }
    }

    private final class View implements CapturedOutput {
        @Override
        public String out() {
            collect();
            return recording.out();
        }

        @Override
        public String err() {
            collect();
            return recording.err();
        }

        @Override
        public String all() {
            collect();
            return recording.all();
        }

        @Override
        public String toString() {
            return all();
        }
    }

    /** The device and inode a descriptor refers to, or null if they cannot be read. */
    static String identity(int fd) {
        Path p = Path.of("/proc/self/fd/" + fd);
        try {
            return Files.getAttribute(p, "unix:dev") + ":" + Files.getAttribute(p, "unix:ino");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return "capture of " + Objects.toString(owner);
    }
}
