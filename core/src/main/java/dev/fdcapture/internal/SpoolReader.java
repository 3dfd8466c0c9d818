package dev.fdcapture.internal;

import dev.fdcapture.internal.posix.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

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
    /** Where the fd pointed before the redirection: echo goes there. */
    private final int originalFd;
    private final String threadName;
    private final long backlogLimit;
    private final Failures failures;
    private final Runnable onExit;

    private final CountDownLatch delivered = new CountDownLatch(1);
    /** Guards exit, echo windows and echo ranges. */
    private final Object lock = new Object();
    private boolean exited;
    /** Start offsets of open echo windows (with counts); the reader does not read past the first. */
    private final TreeMap<Long, Integer> windows = new TreeMap<>();
    /** Ranges written by echo-capable sinks themselves: already forwarded to the original fd; skipped. */
    private final TreeMap<Long, Long> echoes = new TreeMap<>();
    /** Whether windows may ever open; when false the reader skips all of the above. */
    private volatile boolean guarded;
    private boolean finished; // reader thread only
    private volatile boolean closing;
    /** NEW until the dispatcher, close or a start that cannot wait starts it (or close finishes it). */
    private final java.util.concurrent.atomic.AtomicInteger state = new java.util.concurrent.atomic.AtomicInteger(NEW);
    private static final int NEW = 0;
    private static final int STARTED = 1;

    private volatile boolean handover;
    private volatile long droppedBytes;
    private volatile long deliveredBytes;

    public SpoolReader(Spool spool, Outlet outlet, int originalFd, String threadName,
                       long backlogLimit, Failures failures, Runnable onExit) {
        this.spool = spool;
        this.outlet = outlet;
        this.originalFd = originalFd;
        this.lingerOutlet = Outlets.guarded(Outlets.fd(originalFd, false), failures);
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
        synchronized (lock) {
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
                if (guarded) {
                    long[] plan = plan(offset);
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
                if (guarded) {
                    n = unclaimed(offset, n);
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

    /**
     * How far the reader may read from {@code offset}, and whether those bytes
     * are echo. Waits while an echo window is open at or before {@code offset}:
     * what an echo-capable sink writes must not be delivered back to it.
     */
    private long[] plan(long offset) throws InterruptedException {
        synchronized (lock) {
            while (!windows.isEmpty() && windows.firstKey() <= offset && !handover) {
                lock.wait();
            }
            // At hand-over everything written so far belongs to the sink: no more waiting.
            long limit = windows.isEmpty() || handover ? Long.MAX_VALUE : windows.firstKey() - offset;
            while (!echoes.isEmpty() && echoes.firstEntry().getValue() <= offset) {
                echoes.pollFirstEntry();
            }
            Map.Entry<Long, Long> next = echoes.firstEntry();
            if (next != null && next.getKey() <= offset) {
                return new long[] {next.getValue() - offset, 1};
            }
            if (next != null) {
                limit = Math.min(limit, next.getKey() - offset);
            }
            return new long[] {limit, 0};
        }
    }

    /**
     * Cuts a read short at a window or echo range that appeared while it ran: a
     * window registers before its action writes, so if the read saw echo bytes
     * this check sees the window (or the range it left).
     */
    private long unclaimed(long offset, long n) {
        synchronized (lock) {
            Long w = windows.ceilingKey(offset);
            if (w != null && w < offset + n) {
                n = w - offset;
            }
            Long e = echoes.ceilingKey(offset);
            if (e != null && e < offset + n) {
                n = e - offset;
            }
            Map.Entry<Long, Long> covering = echoes.floorEntry(offset);
            if (covering != null && covering.getValue() > offset) {
                n = 0;
            }
            return n;
        }
    }

    /**
     * Opens an echo window: until {@link #closeWindow}, the reader stops at the
     * current end of the spool. Returns the start offset, or -1 if the reader is gone.
     */
    long openWindow() {
        synchronized (lock) {
            if (exited) {
                return -1;
            }
            guarded = true;
            long start = spool.size();
            windows.merge(start, 1, Integer::sum);
            return start;
        }
    }

    /**
     * Closes a window and says what of the bytes appended since it opened is the
     * action's echo: {@code exact} bytes where they occur (a raw write of exactly
     * those bytes: one write to a regular file is contiguous), or, when only
     * {@code needle} is known (a logger's formatted output), everything appended
     * if the needle occurs in it. Returns whether anything was claimed.
     */
    boolean closeWindow(long start, byte[] exact, byte[] needle) {
        if (start < 0) {
            return false;
        }
        synchronized (lock) {
            try {
                if (exited) {
                    return false; // the spool is closed; whatever it held was delivered
                }
                long end = spool.size();
                if (end <= start) {
                    return false;
                }
                long from;
                long to;
                if (exact != null) {
                    from = find(start, end, exact);
                    to = from + exact.length;
                } else if (needle != null) {
                    // From the window's start to the end of the line with the text: a
                    // logger's output ends with its message line, so what follows is
                    // someone else's and is delivered as usual.
                    long at = findToken(start, end, needle);
                    from = at >= 0 ? start : -1;
                    to = at >= 0 ? lineEnd(at + needle.length, end) : end;
                } else {
                    return false;
                }
                if (from < 0) {
                    return false;
                }
                // Forward it now, not when the reader gets there: once the fd is
                // restored, later output reaches the original directly, and echo
                // left waiting in the spool would arrive after it.
                claim(from, to);
                return true;
            } finally {
                windows.computeIfPresent(start, (k, count) -> count == 1 ? null : count - 1);
                lock.notifyAll();
            }
        }
    }

    /**
     * Forwards what of {@code [from, to)} no earlier claim covers (windows of two
     * sinks may overlap) and records the range, merged, for the reader to skip.
     */
    private void claim(long from, long to) {
        long at = from;
        Map.Entry<Long, Long> e = echoes.floorEntry(from);
        if (e == null || e.getValue() <= from) {
            e = echoes.higherEntry(from);
        }
        long mergedFrom = from;
        long mergedTo = to;
        while (e != null && e.getKey() < to) {
            if (e.getKey() > at) {
                forward(at, e.getKey());
            }
            at = Math.max(at, e.getValue());
            mergedFrom = Math.min(mergedFrom, e.getKey());
            mergedTo = Math.max(mergedTo, e.getValue());
            echoes.remove(e.getKey());
            e = echoes.higherEntry(e.getKey());
        }
        if (at < to) {
            forward(at, to);
        }
        echoes.put(mergedFrom, mergedTo);
    }

    /** Copies {@code [from, to)} of the spool to the original fd. */
    private void forward(long from, long to) {
        int piece = 64 * 1024;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(piece);
            for (long at = from; at < to; ) {
                long n = spool.read(buf, Math.min(piece, to - at), at);
                if (n == 0) {
                    break;
                }
                Libc.writeFully(originalFd, buf, n);
                at += n;
            }
        } catch (RuntimeException e) {
            failures.record(e);
        }
    }

    /**
     * Where {@code needle} occurs in {@code [from, to)} as a whole (no letter or
     * digit right before or after it, so {@code "line 23"} does not match
     * {@code "line 233"}), or -1.
     */
    private long findToken(long from, long to, byte[] needle) {
        if (needle.length == 0) {
            return from;
        }
        int piece = 64 * 1024;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(piece + needle.length + 2);
            // Each piece starts one byte early and overlaps the next, so every
            // occurrence is seen whole with both neighbours.
            for (long at = from; at < to; at += piece) {
                long start = Math.max(from, at - 1);
                long n = spool.read(buf, Math.min(at + piece + needle.length + 1, to) - start, start);
                byte[] bytes = buf.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                for (int i = indexOf(bytes, needle, 0); i >= 0; i = indexOf(bytes, needle, i + 1)) {
                    boolean before = i == 0 ? start == from : !alnum(bytes[i - 1]);
                    int after = i + needle.length;
                    boolean afterOk = after == bytes.length ? start + n == to : !alnum(bytes[after]);
                    if ((before || i == 0) && afterOk) {
                        return start + i;
                    }
                }
            }
        }
        return -1;
    }

    /** Just past the first newline at or after {@code from}, or {@code to} if there is none. */
    private long lineEnd(long from, long to) {
        byte[] nl = {'\n'};
        long at = find(from, to, nl);
        return at < 0 ? to : at + 1;
    }

    private static boolean alnum(byte b) {
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9');
    }

    /** The offset of the first occurrence of {@code needle} in {@code [from, to)}, or -1. */
    private long find(long from, long to, byte[] needle) {
        if (needle.length == 0) {
            return from;
        }
        int piece = 64 * 1024;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(piece + needle.length);
            for (long at = from; at < to; at += piece) {
                long n = spool.read(buf, Math.min(piece + needle.length - 1, to - at), at);
                byte[] bytes = buf.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                int i = indexOf(bytes, needle, 0);
                if (i >= 0) {
                    return at + i;
                }
            }
        }
        return -1;
    }

    private static int indexOf(byte[] haystack, byte[] needle, int fromIndex) {
        outer:
        for (int i = fromIndex; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
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
            synchronized (lock) {
                if (!exited) {
                    spool.wake();
                }
                lock.notifyAll();
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
