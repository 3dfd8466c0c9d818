package dev.fdcapture.internal;

import dev.fdcapture.internal.posix.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Tails one {@link Spool} and delivers its bytes to an {@link Outlet}, on a
 * pooled platform thread.
 *
 * <p>Stopping is a hand-over, not a cut: after {@link #closeWriteEnd()} the
 * reader keeps delivering until the write description is released by every
 * holder (IN_CLOSE_WRITE). If a child still holds it when the caller's deadline
 * passes, everything written up to that moment still goes to the outlet, the
 * outlet is finished, the caller is released, and the reader stays on as a
 * forwarder: later bytes go to {@code lingerOutlet} (where the fd pointed before
 * the redirection) until the last child lets go. A child therefore never sees
 * a write fail and never gets SIGPIPE.
 */
public final class SpoolReader implements Runnable {
    static final int CHUNK = 256 * 1024;
    private static final long RELEASE_STEP = 1 << 20;
    private static final long PAGE = 4096;
    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    private final Spool spool;
    private final Outlet outlet;
    private final Outlet lingerOutlet;
    private final String threadName;
    private final long backlogLimit;
    private final Failures failures;
    private final Runnable onExit;

    private final CountDownLatch delivered = new CountDownLatch(1);
    private final Object exitLock = new Object();
    private boolean exited;
    private boolean finished; // reader thread only
    private volatile boolean closing;
    private volatile boolean handover;
    private volatile long droppedBytes;
    private volatile long deliveredBytes;

    public SpoolReader(Spool spool, Outlet outlet, Outlet lingerOutlet, String threadName,
                       long backlogLimit, Failures failures, Runnable onExit) {
        this.spool = spool;
        this.outlet = outlet;
        this.lingerOutlet = lingerOutlet;
        this.threadName = threadName;
        this.backlogLimit = backlogLimit;
        this.failures = failures;
        this.onExit = onExit;
    }

    /** Bytes skipped because the backlog passed its limit. */
    public long droppedBytes() {
        return droppedBytes;
    }

    /** Bytes handed to the outlet. */
    public long deliveredBytes() {
        return deliveredBytes;
    }

    @Override
    public void run() {
        Thread thread = Thread.currentThread();
        String poolName = thread.getName();
        thread.setName(threadName);
        try {
            drain(BUFFERS.get());
        } catch (Throwable t) {
            failures.record(t);
        } finally {
            finishOutlet();
            synchronized (exitLock) {
                exited = true;
                try {
                    spool.close();
                } catch (RuntimeException e) {
                    failures.record(e);
                }
            }
            try {
                onExit.run();
            } catch (RuntimeException e) {
                failures.record(e);
            } finally {
                thread.setName(poolName);
                // Last: whoever waits in awaitDelivered sees every descriptor closed.
                delivered.countDown();
            }
        }
    }

    private void drain(Buffers buffers) throws Exception {
        Chunk chunk = buffers.chunk;
        long offset = 0;
        long released = 0;
        Outlet target = outlet;
        boolean endSeen = false;
        while (true) {
            while (true) {
                if (handover && target == outlet) {
                    offset = deliverUpTo(spool.size(), offset, chunk);
                    finishOutlet();
                    delivered.countDown();
                    target = lingerOutlet;
                }
                long n = spool.read(chunk.buffer(), chunk.capacity(), offset);
                if (n == 0) {
                    break;
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
            int events = spool.awaitEvents(buffers.events);
            if ((events & Libc.IN_CLOSE_WRITE) != 0 && closing) {
                // The last holder of the write description is gone; one more pass
                // picks up what it wrote before closing.
                endSeen = true;
            }
        }
    }

    private long deliverUpTo(long mark, long offset, Chunk chunk) throws Exception {
        while (offset < mark) {
            long n = spool.read(chunk.buffer(), Math.min(chunk.capacity(), mark - offset), offset);
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

    /** Starts the end of the stream: from now on IN_CLOSE_WRITE means every writer is gone. */
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
            synchronized (exitLock) {
                if (!exited) {
                    spool.wake();
                }
            }
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
        final Chunk chunk = new Chunk(CHUNK);
        final MemorySegment events = Arena.ofAuto().allocate(4096, 8);
    }
}
