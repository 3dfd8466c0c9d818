package dev.fdcapture.internal;

import dev.fdcapture.internal.posix.Libc;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Tails one {@link Spool} and delivers its bytes to an {@link Outlet}, on a
 * pooled platform thread.
 *
 * <p>Stopping is a hand-over, not a cut: after {@link #closeWriteEnd()} the
 * reader keeps delivering until the write description is released by every
 * holder (its lock is gone; see {@link Spool}). If a child still holds it when the caller's deadline
 * passes, everything written up to that moment still goes to the outlet, the
 * outlet is finished, the caller is released, and the reader stays on as a
 * forwarder: later bytes go to {@code lingerOutlet} (where the fd pointed before
 * the redirection) until the last child lets go. A child therefore never sees
 * a write fail and never gets SIGPIPE.
 */
public final class SpoolReader implements Runnable {
    static final int CHUNK = 256 * 1024;
    /**
     * How much consumed spool is freed at once. Punching a hole takes the file's
     * inode lock, which writers need too: every 1 MiB cost writers about a tenth
     * of their time (perf, bench w64k); 8 MiB keeps that small and memory bounded.
     */
    private static final long RELEASE_STEP = 8 << 20;
    private static final long PAGE = 4096;

    private final Spool spool;
    private final Outlet outlet;
    private final Outlet lingerOutlet;
    private final EchoLedger ledger;
    private final String threadName;
    private final long backlogLimit;
    private final Failures failures;
    private final Runnable onExit;

    private final CountDownLatch delivered = new CountDownLatch(1);
    private boolean finished; // reader thread only
    private volatile boolean closing;
    /** NEW until the dispatcher, close or a start that cannot wait starts it (or close finishes it). */
    private final java.util.concurrent.atomic.AtomicInteger state = new java.util.concurrent.atomic.AtomicInteger(NEW);
    private static final int NEW = 0;
    private static final int STARTED = 1;

    private volatile boolean handover;
    /** The thread running this reader, while it runs. */
    private volatile Thread runner;
    private volatile long droppedBytes;
    private volatile long deliveredBytes;

    public SpoolReader(Spool spool, Outlet outlet, int originalFd, String threadName,
                       long backlogLimit, Failures failures, Runnable onExit) {
        this.spool = spool;
        this.outlet = outlet;
        this.lingerOutlet = Outlets.guarded(Outlets.fd(originalFd, false), failures);
        this.ledger = new EchoLedger(spool, originalFd, failures);
        this.threadName = threadName;
        this.backlogLimit = backlogLimit;
        this.failures = failures;
        this.onExit = onExit;
    }

    /** The echo bookkeeping of this reader's spool, for {@link EchoGuard}. */
    EchoLedger ledger() {
        return ledger;
    }

    /** Bytes skipped because the backlog passed its limit. */
    public long droppedBytes() {
        return droppedBytes;
    }

    /** Bytes handed to the outlet. */
    public long deliveredBytes() {
        return deliveredBytes;
    }

    /** Whether the calling thread is this reader's (a sink calling back into its own redirection). */
    public boolean isCurrentThread() {
        return runner == Thread.currentThread();
    }

    @Override
    public void run() {
        runner = Thread.currentThread();
        Buffers buffers = Buffers.forThisThread();
        int wd = -1;
        try {
            wd = buffers.watcher.watch(spool);
            drain(buffers, wd);
        } catch (Throwable t) {
            failures.record(t);
        } finally {
            try {
                buffers.watcher.unwatch(wd);
            } catch (RuntimeException e) {
                failures.record(e);
            }
            runner = null;
            exit();
        }
    }

    /** Starts reading at the first write to the spool, or now if that cannot be arranged. */
    public void start() {
        Dispatcher.attach(spool.dispatchWatch(), this);
    }

    /** Starts the reader thread unless it was started (or finished) already. */
    void startIfWaiting() {
        if (state.compareAndSet(NEW, STARTED)) {
            ReaderThreads.start(threadName, this);
        }
    }

    /**
     * For close(), after {@link #closeWriteEnd()}: if the reader never started and
     * nothing was written and no child holds the spool, finishes right here, with
     * no thread involved; otherwise makes sure the reader runs.
     */
    public void finishOrStart() {
        if (!state.compareAndSet(NEW, STARTED)) {
            return;
        }
        Dispatcher.cancel(spool.dispatchWatch());
        if (spool.size() == 0 && !spool.writersAlive()) {
            exit();
        } else {
            ReaderThreads.start(threadName, this);
        }
    }

    /** Ends a reader that never ran (a start that failed half-way): same clean-up, no reading. */
    public void abandon() {
        if (state.compareAndSet(NEW, STARTED)) {
            exit();
        }
    }

    private void exit() {
        finishOutlet();
        try {
            ledger.closeSpool();
        } catch (RuntimeException e) {
            failures.record(e);
        }
        try {
            onExit.run();
        } catch (RuntimeException e) {
            failures.record(e);
        } finally {
            // Last: whoever waits in awaitDelivered sees every descriptor closed.
            delivered.countDown();
        }
    }

    /** Closes the calling thread's inotify instance, if it has one; for the end of a pooled thread. */
    static void releaseThreadResources() {
        Buffers b = Buffers.CURRENT.get();
        if (b != null) {
            Buffers.CURRENT.remove();
            b.watcher.close();
        }
    }

    private void drain(Buffers buffers, int wd) throws Exception {
        Chunk chunk = buffers.chunk;
        long offset = 0;
        long released = 0;
        Outlet target = outlet;
        boolean endSeen = false;
        int recheck = 0;
        boolean armed = true;
        while (true) {
            while (true) {
                if (handover && target == outlet && spool.writersAlive()) {
                    // A child still holds the fd: the sink gets what is here now, and
                    // later bytes go where the fd pointed before the redirection.
                    offset = deliverUpTo(spool.size(), offset, chunk);
                    finishOutlet();
                    delivered.countDown();
                    target = lingerOutlet;
                }
                long want = chunk.capacity();
                boolean echo = false;
                if (ledger.guarded()) {
                    long[] plan = ledger.plan(offset);
                    want = Math.min(want, plan[0]);
                    echo = plan[1] != 0;
                }
                if (echo) {
                    offset += want; // forwarded when its window closed
                    continue;
                }
                long n = spool.read(chunk.buffer(), (int) want, offset);
                if (n == 0) {
                    break;
                }
                if (ledger.guarded()) {
                    n = ledger.unclaimed(offset, n);
                    if (n == 0) {
                        continue; // a window opened inside what we read: decide again
                    }
                }
                chunk.filled((int) n);
                target.write(chunk);
                offset += n;
                if (target == outlet) {
                    deliveredBytes += n;
                }
                if (n == chunk.capacity()) {
                    long backlog = spool.size() - offset;
                    if (backlog > backlogLimit) {
                        droppedBytes += backlog;
                        offset += backlog;
                    }
                }
                if (offset - released >= RELEASE_STEP) {
                    long to = offset & -PAGE;
                    spool.release(released, to);
                    released = to;
                }
            }
            if (endSeen) {
                return;
            }
            if (closing && !spool.writersAlive()) {
                // Every holder of the write description is gone: one more pass
                // picks up what the last of them wrote.
                endSeen = true;
                continue;
            }
            if (recheck > 0) {
                // IN_CLOSE_WRITE is raised just before the kernel drops the
                // description's lock: look again shortly rather than sleep on events.
                recheck--;
                LockSupport.parkNanos(100_000);
                continue;
            }
            if (!armed) {
                // About to sleep: ask for IN_MODIFY again, then look once more, since
                // a write between the last read and now raised no event.
                armed = buffers.watcher.arm(spool, true);
                if (armed) {
                    continue;
                }
            }
            int events = buffers.watcher.await(wd);
            if ((events & Libc.IN_CLOSE_WRITE) != 0 && closing) {
                recheck = 50;
            }
            if (armed && (events & Libc.IN_MODIFY) != 0) {
                // Busy from now until the spool is drained: writers need not notify.
                buffers.watcher.arm(spool, false);
                armed = false;
            }
        }
    }

    private long deliverUpTo(long mark, long offset, Chunk chunk) throws Exception {
        while (offset < mark) {
            long n = spool.read(chunk.buffer(), (int) Math.min(chunk.capacity(), mark - offset), offset);
            if (n == 0) {
                break;
            }
            chunk.filled((int) n);
            outlet.write(chunk);
            offset += n;
            deliveredBytes += n;
        }
        return offset;
    }

    private void finishOutlet() {
        if (finished) {
            return;
        }
        finished = true;
        try {
            outlet.finish();
        } catch (Throwable t) {
            failures.record(t);
        }
    }

    /** Starts the end of the stream: from now on the reader stops once every writer is gone. */
    public void closeWriteEnd() {
        closing = true;
        spool.closeWriteEnd();
    }

    /**
     * Waits until every byte written before this call has reached the outlet and
     * the outlet is finished. Waits at most {@code deadline} for writers (children)
     * to let go of the spool, and then as long as the outlet needs for what was
     * already written: nothing is cut off. Returns whether the caller was
     * interrupted meanwhile (the interrupt is not lost, the caller re-asserts it).
     */
    public boolean awaitDelivered(Duration deadline) {
        boolean interrupted = false;
        long until = System.nanoTime() + deadline.toNanos();
        while (true) {
            try {
                long left = until - System.nanoTime();
                if (left <= 0 || delivered.await(left, TimeUnit.NANOSECONDS)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (delivered.getCount() != 0) {
            handover = true;
            ledger.release();
            while (true) {
                try {
                    delivered.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        return interrupted;
    }

    /** Per reader thread, reused from capture to capture. */
    private static final class Buffers {
        static final ThreadLocal<Buffers> CURRENT = new ThreadLocal<>();

        final Chunk chunk = new Chunk(CHUNK);
        final Watcher watcher = new Watcher();

        static Buffers forThisThread() {
            Buffers b = CURRENT.get();
            if (b == null) {
                b = new Buffers();
                CURRENT.set(b);
            }
            return b;
        }
    }
}
