package dev.fdcapture;

import dev.fdcapture.internal.ExitHook;
import dev.fdcapture.internal.Plumbing;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An active redirection of fd 1 and/or fd 2, made by {@link RedirectBuilder#start()}.
 * Close it to put the fds back and collect what was written.
 *
 * <p>Redirections of the same fd nest, and may be closed in any order, from any
 * thread: after each close the fd points where the redirections still open say,
 * and after the last one it refers to the same file as before the first.
 */
public final class Redirection implements AutoCloseable {
    private final Options options;
    private final Plumbing plumbing;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Redirection(Options options, Plumbing plumbing) {
        this.options = options;
        this.plumbing = plumbing;
    }

    static Redirection start(Options options) {
        Origin stdoutOrigin = options.stderr() instanceof Sinks.IntoStdout ? Origin.MERGED : Origin.STDOUT;
        return new Redirection(options, Plumbing.start(
                Sinks.route(options.stdout(), stdoutOrigin, options),
                Sinks.route(options.stderr(), Origin.STDERR, options),
                options.settings()));
    }

    /**
     * Puts the fds back and waits until every byte written before this call is
     * delivered to the sinks. Idempotent; safe from any thread.
     *
     * <p>Waits at most {@link RedirectBuilder#closeTimeout} for child processes
     * still holding the fds, <b>one deadline for the whole close, both fds
     * together</b>; what they write after that goes where the fd pointed before
     * this redirection. <b>Delivery of what was already written is never cut
     * short while the sinks make progress</b>, however slow they are; a single
     * sink call that does not return within {@link RedirectBuilder#stallTimeout}
     * is given up on: close() returns, counts what was not delivered in
     * {@link #droppedBytes()}, and throws. If the calling thread is interrupted
     * meanwhile, the wait goes on and the interrupt flag is set again on return.
     *
     * @throws CaptureException      if a sink threw (the cause is its first exception),
     *                               a sink stalled (the message says which, on which thread,
     *                               for how long), or a system call failed; the fds are restored
     *                               at once either way
     * @throws IllegalStateException if called from one of this redirection's own sinks
     */
    @Override
    public void close() {
        if (plumbing.isReaderThread()) {
            // close() waits for the reader to deliver; from the reader itself it would wait forever.
            throw new IllegalStateException("a sink cannot close its own redirection; close it from another thread");
        }
        if (closed.compareAndSet(false, true)) {
            ExitHook.forget(this);
            plumbing.close();
        }
    }

    /**
     * Whether {@link #close()} has not been called yet.
     *
     * @return true until {@link #close()} is called
     */
    public boolean isOpen() {
        return !closed.get();
    }

    /**
     * Bytes dropped because a sink fell more than {@link RedirectBuilder#backlogLimit}
     * behind, or not delivered because a sink stalled ({@link RedirectBuilder#stallTimeout}:
     * the bytes of the stalled call's read and everything after it); 0 when nothing was lost.
     *
     * @return the number of bytes dropped
     */
    public long droppedBytes() {
        return plumbing.droppedBytes();
    }

    /**
     * Bytes delivered to the sinks so far (those written to files or /dev/null directly are not counted).
     *
     * @return the number of bytes delivered
     */
    public long deliveredBytes() {
        return plumbing.deliveredBytes();
    }

    @Override
    public String toString() {
        return "Redirection[" + (isOpen() ? "open" : "closed") + ", stdout=" + options.stdout()
                + ", stderr=" + options.stderr() + "]";
    }
}
