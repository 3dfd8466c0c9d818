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
    /**
     * How long a reader that a busy writer made switch IN_MODIFY off waits, once
     * it has caught up, before it looks again and, if nothing came, switches
     * IN_MODIFY on and sleeps. Waking a sleeping reader costs the writer far more
     * than one small write (an event, a wake-up, on a VM an IPI); a writer that
     * keeps writing within this (plus the kernel's timer slack, 50 us) never
     * pays for one. A timed park, not a spin: a spinning reader stays runnable
     * and slows every other thread's wake-up on a small machine (a spin of 10 us
     * made the JUnit run-wide mode's fd 2 reader lose its race with fd 1's, 3
     * runs in 8). A reader that was not busy (a sparse writer: one read, then
     * nothing) sleeps at once, so latency is as before.
     */
    static final long LINGER_NANOS = 20_000;

    private final Spool spool;
    private final Outlet outlet;
    private final Progress progress;
    private final Outlet lingerOutlet;
    private final EchoLedger ledger;
    private final String threadName;
    private final long backlogLimit;
    private final Failures failures;
    private final Runnable onExit;

    private final CountDownLatch delivered = new CountDownLatch(1);
    /** Readers made and not yet finished, process-wide: for tests that check none is left behind. */
    private static final java.util.concurrent.atomic.AtomicInteger LIVE = new java.util.concurrent.atomic.AtomicInteger();
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
    private volatile long droppedForSpace;
    private volatile int truncations;
    private volatile long deliveredBytes;
    /** For a spool that can shrink (a regular file), else null; reader thread only. */
    private TruncationCheck check;

    /** Guards the hand-off between a sink call returning and close() giving up on it. */
    private final Object callLock = new Object();
    /** When the running outlet call began, or {@link #NO_CALL}; under callLock. */
    private long callSince = NO_CALL;
    private static final long NO_CALL = Long.MIN_VALUE;
    /** Offset up to which the outlet has returned from every call; under callLock. */
    private long confirmed;
    /** close() gave up on a stalled call: deliver nothing more, never call the outlet again. */
    private volatile boolean abandoned;
    /** What close() counted as not delivered when it gave up; part of droppedBytes. */
    private volatile long stalledBytes;

    public SpoolReader(Spool spool, Outlet outlet, Progress progress, OriginalFd original, String threadName,
                       long backlogLimit, Failures failures, Runnable onExit) {
        this.spool = spool;
        this.outlet = outlet;
        this.progress = progress;
        this.lingerOutlet = Outlets.guarded(Outlets.original(original), failures);
        this.ledger = new EchoLedger(spool, original, failures);
        this.threadName = threadName;
        this.backlogLimit = backlogLimit;
        this.failures = failures;
        this.onExit = onExit;
        LIVE.incrementAndGet();
    }

    /** How many readers were made and have not finished (spool closed, saved fds let go), process-wide. */
    public static int live() {
        return LIVE.get();
    }

    /** The echo bookkeeping of this reader's spool, for {@link EchoGuard}. */
    EchoLedger ledger() {
        return ledger;
    }

    /** Bytes skipped because the backlog passed its limit, or not delivered because the sink stalled. */
    public long droppedBytes() {
        return droppedBytes;
    }

    /**
     * Of {@link #droppedBytes()}, those skipped because the backlog passed its
     * limit or the spool's filesystem ran low on space ({@link #droppedForSpace()}).
     */
    public long backlogDroppedBytes() {
        return droppedBytes - stalledBytes;
    }

    /** Of {@link #droppedBytes()}, those skipped because the spool's filesystem ran low on space. */
    public long droppedForSpace() {
        return droppedForSpace;
    }

    /** How many times another process truncated the spool (a child's {@code > /dev/stdout}). */
    public int truncations() {
        return truncations;
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
            launch();
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
        boolean idle = false;
        RuntimeException failure = null;
        try {
            // Empty and unwritable: the file goes back to the pool (Spool.endedEmpty).
            idle = spool.endedEmpty();
            if (!idle) {
                Dispatcher.cancel(spool.dispatchWatch());
            }
        } catch (RuntimeException e) {
            failure = e; // not known to be idle: the reader finds out, and finishes either way
        }
        if (idle) {
            exit();
        } else {
            launch();
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Runs the reader on a pooled thread; if no thread can be had, on this one
     * (whoever starts a reader waits for it in close() anyway): a reader that
     * never runs would keep close() waiting for ever.
     */
    private void launch() {
        try {
            ReaderThreads.start(threadName, this);
        } catch (RuntimeException | OutOfMemoryError e) {
            run();
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
            LIVE.decrementAndGet();
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
            if (b.writes != null) {
                b.writes.close();
            }
        }
    }

    /** The write counters of the calling reader thread, kept for its life; null on any other thread. */
    static ThreadWrites threadWrites() {
        Buffers b = Buffers.CURRENT.get();
        if (b == null) {
            return null;
        }
        if (b.writes == null) {
            b.writes = ThreadWrites.open();
        }
        return b.writes;
    }

    private void drain(Buffers buffers, int wd) throws Exception {
        Chunk chunk = buffers.chunk;
        check = spool.shrinkable() ? new TruncationCheck() : null;
        // A file keeps its last consumed bytes for the truncation check: room for them in each read.
        int max = chunk.capacity() - (check == null ? 0 : TruncationCheck.TAIL);
        long releaseStep = spool.releaseStep(RELEASE_STEP);
        long offset = 0;
        long released = 0;
        Outlet target = outlet;
        boolean endSeen = false;
        int recheck = 0;
        boolean armed = true;
        int busy = 0; // reads in a row that found data
        boolean lingered = false;
        while (true) {
            while (true) {
                if (handover && target == outlet && spool.writersAlive()) {
                    // A child still holds the fd: the sink gets what is here now, and
                    // later bytes go where the fd pointed before the redirection.
                    offset = deliverUpTo(spool.size(), offset, chunk);
                    if (abandoned) {
                        return;
                    }
                    finishOutlet();
                    delivered.countDown();
                    target = lingerOutlet;
                }
                long want = max;
                boolean echo = false;
                if (ledger.guarded()) {
                    long[] plan = ledger.plan(offset);
                    want = Math.min(want, plan[0]);
                    echo = plan[1] != 0;
                }
                if (echo) {
                    offset += want; // forwarded when its window closed
                    advance(offset);
                    forgetTail();
                    continue;
                }
                int n = read(chunk, (int) want, offset);
                if (n < 0) {
                    // Truncated by another process (a child's "> /dev/stdout"): what it had
                    // not read is gone; what was written since starts at 0.
                    truncations++;
                    offset = 0;
                    released = 0;
                    advance(0);
                    forgetTail();
                    ledger.truncated();
                    continue;
                }
                if (n == 0) {
                    break;
                }
                if (ledger.guarded()) {
                    n = (int) ledger.unclaimed(offset, n);
                    if (n == 0) {
                        continue; // a window opened inside what we read: decide again
                    }
                }
                if (check != null) {
                    check.consumed(chunk.buffer(), n);
                }
                chunk.filled(n);
                if (target == outlet) {
                    if (!call(chunk, offset + n)) {
                        return;
                    }
                    deliveredBytes += n;
                } else {
                    target.write(chunk);
                }
                offset += n;
                if (n == max) {
                    long backlog = spool.size() - offset;
                    boolean full = backlog > backlogLimit;
                    // A file's filesystem running out: writers would get ENOSPC. Drop, as at the limit.
                    if (full || (backlog > 0 && spool.lowOnSpace())) {
                        droppedBytes += backlog;
                        if (!full) {
                            droppedForSpace += backlog;
                        }
                        offset += backlog;
                        advance(offset);
                        forgetTail();
                    }
                }
                if (offset - released >= releaseStep) {
                    long to = (offset - (check == null ? 0 : TruncationCheck.TAIL)) & -PAGE;
                    if (to > released) {
                        spool.release(released, to);
                        released = to;
                    }
                }
                lingered = false;
                if (++busy == 2 && armed) {
                    // Data kept coming while we delivered: busy until caught up, so
                    // writers need not raise events meanwhile.
                    armed = !buffers.watcher.arm(spool, false);
                }
            }
            busy = 0;
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
            if (!armed && !lingered) {
                // Caught up with a busy writer: give it a moment before paying for
                // events and a wake-up again.
                lingered = true;
                LockSupport.parkNanos(LINGER_NANOS);
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
            // Woken, read at once: IN_MODIFY goes off only if a second read finds data too.
            int events = buffers.watcher.await(wd);
            lingered = false;
            if ((events & Libc.IN_CLOSE_WRITE) != 0 && closing) {
                recheck = 50;
            }
        }
    }

    private long deliverUpTo(long mark, long offset, Chunk chunk) throws Exception {
        int max = chunk.capacity() - (check == null ? 0 : TruncationCheck.TAIL);
        while (offset < mark) {
            int n = read(chunk, (int) Math.min(max, mark - offset), offset);
            if (n <= 0) {
                break; // nothing, or truncated: the drain loop sees it next
            }
            if (check != null) {
                check.consumed(chunk.buffer(), n);
            }
            chunk.filled(n);
            if (!call(chunk, offset + n)) {
                return offset;
            }
            offset += n;
            deliveredBytes += n;
        }
        return offset;
    }

    /** Up to {@code want} bytes at {@code offset} into the chunk's array; -1 if the spool was truncated. */
    private int read(Chunk chunk, int want, long offset) {
        return check == null ? spool.read(chunk.buffer(), want, offset) : check.read(spool, chunk.buffer(), want, offset);
    }

    private void forgetTail() {
        if (check != null) {
            check.forget();
        }
    }

    /** Other outlets (a tee's file, the original fd) may have written since the last logger call. */
    private static void forgetWrites() {
        Buffers b = Buffers.CURRENT.get();
        if (b != null && b.writes != null) {
            b.writes.wroteSince();
        }
    }

    /** Bytes up to {@code offset} need no outlet call (echo forwarded elsewhere, or dropped). */
    private void advance(long offset) {
        synchronized (callLock) {
            if (!abandoned) {
                confirmed = offset;
            }
        }
    }

    /**
     * One call of the outlet, watched for stalls: returns false if close() gave up
     * on it meanwhile (its bytes are counted as dropped; nothing more is delivered).
     */
    private boolean call(Chunk chunk, long end) throws Exception {
        synchronized (callLock) {
            if (abandoned) {
                return false;
            }
            callSince = System.nanoTime();
        }
        progress.beat();
        forgetWrites();
        try {
            outlet.write(chunk);
        } finally {
            synchronized (callLock) {
                callSince = NO_CALL;
                if (!abandoned) {
                    confirmed = end;
                }
            }
        }
        return !abandoned;
    }

    private void finishOutlet() {
        if (finished) {
            return;
        }
        finished = true;
        synchronized (callLock) {
            if (abandoned) {
                return; // a stalled sink is never called again
            }
            callSince = System.nanoTime();
        }
        forgetWrites();
        try {
            outlet.finish();
        } catch (Throwable t) {
            failures.record(t);
        } finally {
            synchronized (callLock) {
                callSince = NO_CALL;
            }
        }
    }

    /** Starts the end of the stream: from now on the reader stops once every writer is gone. */
    public void closeWriteEnd() {
        closing = true;
        spool.closeWriteEnd();
    }

    /**
     * Waits until every byte written before this call has reached the outlet and
     * the outlet is finished; see {@link #awaitAll}. Returns whether the caller
     * was interrupted meanwhile.
     */
    public boolean awaitDelivered(Duration deadline, Duration stallTimeout) {
        Wait w = awaitAll(java.util.List.of(this), deadline, stallTimeout);
        if (w.stall != null) {
            failures.record(w.stall);
        }
        return w.interrupted;
    }

    /** How {@link #awaitAll} ended. */
    public static final class Wait {
        /** Whether the waiting thread was interrupted (the caller re-asserts the flag). */
        public final boolean interrupted;
        /** Why close() stopped waiting for a sink, or null. */
        public final dev.fdcapture.CaptureException stall;

        Wait(boolean interrupted, dev.fdcapture.CaptureException stall) {
            this.interrupted = interrupted;
            this.stall = stall;
        }
    }

    /**
     * Waits until every byte written before this call has reached the outlets of
     * {@code readers} and the outlets are finished. One deadline for all of them:
     * until {@code closeTimeout} has passed, children still holding a spool are
     * waited for; then each reader delivers what is there and hands over
     * (later bytes go where the fd pointed before). Delivery itself is never cut
     * short while the outlets make progress; <b>a single outlet call that runs
     * longer than {@code stallTimeout} is given up on</b>: the reader is
     * abandoned (it stops when the call returns, if ever), what it had not
     * delivered is counted as dropped, and the returned {@link Wait#stall} says
     * which reader, on which thread, for how long. An interrupt does not end the
     * wait; it is reported in {@link Wait#interrupted}.
     */
    public static Wait awaitAll(java.util.List<SpoolReader> readers, Duration closeTimeout, Duration stallTimeout) {
        boolean interrupted = false;
        dev.fdcapture.CaptureException stall = null;
        long stallNanos = saturatedNanos(stallTimeout);
        long closeNanos = saturatedNanos(closeTimeout);
        long start = System.nanoTime();
        // Per reader: the beats last seen, and when they were last seen to change.
        long[] beats = new long[readers.size()];
        long[] changed = new long[readers.size()];
        for (int i = 0; i < beats.length; i++) {
            beats[i] = readers.get(i).progress.beats();
            changed[i] = start;
        }
        boolean handedOver = false;
        while (true) {
            long now = System.nanoTime();
            SpoolReader waitFor = null;
            long wake = Long.MAX_VALUE;
            for (int i = 0; i < beats.length; i++) {
                SpoolReader r = readers.get(i);
                if (r.delivered.getCount() == 0 || r.abandoned) {
                    continue;
                }
                long b = r.progress.beats();
                if (b != beats[i]) {
                    beats[i] = b;
                    changed[i] = now;
                }
                long since = r.stalledSince();
                // Stuck: inside one outlet call, and no call of user code returned for the limit.
                long quiet = since == NO_CALL ? 0 : now - (since - changed[i] > 0 ? since : changed[i]);
                if (since != NO_CALL && quiet >= stallNanos) {
                    dev.fdcapture.CaptureException e = r.abandon(since, b, quiet, stallTimeout);
                    if (e != null) {
                        if (stall == null) {
                            stall = e;
                        } else {
                            stall.addSuppressed(e);
                        }
                        // Its window may hold the others back (EchoLedger.plan): no more waiting for windows.
                        for (SpoolReader o : readers) {
                            o.ledger.release();
                        }
                        continue;
                    }
                }
                if (waitFor == null) {
                    waitFor = r;
                }
                // Look again when this one could pass the limit.
                wake = Math.min(wake, stallNanos - quiet);
            }
            if (waitFor == null) {
                return new Wait(interrupted, stall);
            }
            if (!handedOver) {
                if (now - start >= closeNanos) {
                    // One deadline for the whole close, not one per fd: every reader hands over now.
                    for (SpoolReader r : readers) {
                        if (r.delivered.getCount() != 0) {
                            r.handover = true;
                            r.ledger.release();
                        }
                    }
                    handedOver = true;
                    continue;
                }
                wake = Math.min(wake, closeNanos - (now - start));
            }
            try {
                // Woken early by this reader finishing; the others are looked at again then.
                waitFor.delivered.await(Math.min(Math.max(wake, 100_000), 50_000_000), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
    }

    /** When the running outlet call began, or NO_CALL. */
    private long stalledSince() {
        synchronized (callLock) {
            return callSince;
        }
    }

    /**
     * Gives up on the running outlet call if it is still the one found stalled
     * (same call, no beat since): counts what was not delivered and frees the
     * spool's memory. Returns the failure to report, or null if it moved on.
     */
    private dev.fdcapture.CaptureException abandon(long since, long beats, long quietNanos, Duration stallTimeout) {
        long undelivered;
        synchronized (callLock) {
            if (callSince != since || progress.beats() != beats || abandoned) {
                return null;
            }
            abandoned = true;
            undelivered = Math.max(0, ledger.sizeIfOpen() - confirmed);
        }
        droppedBytes += undelivered;
        stalledBytes = undelivered;
        ledger.discardConsumable();
        Thread t = runner;
        String thread = t != null ? t.getName() : threadName;
        String fd = threadName.replace("fdcapture-", "").replace("-reader", "");
        return new dev.fdcapture.CaptureException("the " + fd + " sink stalled: one call on thread " + thread
                + " has not returned for " + TimeUnit.NANOSECONDS.toMillis(quietNanos) + " ms (stallTimeout "
                + stallTimeout.toMillis() + " ms); close() stopped waiting for it, " + undelivered
                + " bytes were not delivered, and the sink is not called again", stackOf(t));
    }

    /** Where a stalled thread is stuck, as a cause to look at. */
    private static Throwable stackOf(Thread t) {
        if (t == null) {
            return null;
        }
        Throwable where = new Throwable("where " + t.getName() + " was stuck");
        where.setStackTrace(t.getStackTrace());
        return where;
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    /** Per reader thread, reused from capture to capture. */
    private static final class Buffers {
        static final ThreadLocal<Buffers> CURRENT = new ThreadLocal<>();

        final Chunk chunk = new Chunk(CHUNK);
        final Watcher watcher = new Watcher();
        /** Opened by the first logger call on this thread. */
        ThreadWrites writes;

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
