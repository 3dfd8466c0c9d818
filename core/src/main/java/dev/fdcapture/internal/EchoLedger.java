package dev.fdcapture.internal;

import java.util.Map;
import java.util.TreeMap;

/**
 * The echo windows and claims of one spool (see {@link EchoGuard}): where the
 * reader may read, what it must skip, and forwarding claimed echo to the original
 * fd. It also closes the spool, under the same lock, so that a window never
 * touches a closed descriptor.
 */
final class EchoLedger {
    private final Spool spool;
    /** Where the fd pointed before the redirection: echo goes there. */
    private final OriginalFd original;
    private final Failures failures;
    private final Object lock = new Object();
    private boolean closed;
    /** Start offsets of open echo windows (with counts); the reader does not read past the first. */
    private final TreeMap<Long, Integer> windows = new TreeMap<>();
    /** Ranges written by echo-capable sinks themselves: already forwarded to the original fd; skipped. */
    private final TreeMap<Long, Long> echoes = new TreeMap<>();
    /** Whether a window ever opened; until then the reader skips all of this. */
    private volatile boolean guarded;
    /** The reader must no longer wait for windows: close() is handing over. */
    private volatile boolean released;

    EchoLedger(Spool spool, OriginalFd original, Failures failures) {
        this.spool = spool;
        this.original = original;
        this.failures = failures;
    }

    boolean guarded() {
        return guarded;
    }

    /** From now on the reader takes everything written so far, windows or not; wakes it. */
    void release() {
        released = true;
        synchronized (lock) {
            if (!closed) {
                spool.wake();
            }
            lock.notifyAll();
        }
    }

    /** The spool's size, or 0 once it is closed. */
    long sizeIfOpen() {
        synchronized (lock) {
            return closed ? 0 : spool.size();
        }
    }

    /**
     * Frees the memory of everything in the spool so far (close() gave up on the
     * reader): under the lock, so the reader's own close cannot race with it.
     */
    void discardConsumable() {
        synchronized (lock) {
            if (!closed) {
                spool.release(0, spool.size() & -4096L);
            }
        }
    }

    /** Closes the spool; windows opened or closed after this do nothing. */
    void closeSpool() {
        synchronized (lock) {
            closed = true;
            spool.close();
        }
    }

    /**
     * How far the reader may read from {@code offset}, and whether those bytes
     * are echo. Waits while an echo window is open at or before {@code offset}:
     * what an echo-capable sink writes must not be delivered back to it.
     */
    long[] plan(long offset) throws InterruptedException {
        synchronized (lock) {
            while (!windows.isEmpty() && windows.firstKey() <= offset && !released) {
                lock.wait();
            }
            // At hand-over everything written so far belongs to the sink: no more waiting.
            long limit = windows.isEmpty() || released ? Long.MAX_VALUE : windows.firstKey() - offset;
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
    long unclaimed(long offset, long n) {
        synchronized (lock) {
            // Once released, windows hold nothing back (as in plan): cutting the read
            // at one would make the reader read and cut forever.
            Long w = released ? null : windows.ceilingKey(offset);
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
     * current end of the spool. Returns the start offset, or -1 if the spool is closed.
     */
    long openWindow() {
        synchronized (lock) {
            if (closed) {
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
                if (closed) {
                    return false; // whatever the spool held was delivered
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
        byte[] buf = new byte[(int) Math.min(piece, to - from)];
        try {
            for (long at = from; at < to; ) {
                int n = spool.read(buf, (int) Math.min(buf.length, to - at), at);
                if (n == 0) {
                    break;
                }
                original.write(buf, 0, n);
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
        byte[] buf = new byte[piece + needle.length + 2];
        // Each piece starts one byte early and overlaps the next, so every
        // occurrence is seen whole with both neighbours.
        for (long at = from; at < to; at += piece) {
            long start = Math.max(from, at - 1);
            int n = spool.read(buf, (int) (Math.min(at + piece + needle.length + 1, to) - start), start);
            byte[] bytes = java.util.Arrays.copyOf(buf, n);
            for (int i = indexOf(bytes, needle, 0); i >= 0; i = indexOf(bytes, needle, i + 1)) {
                boolean before = i == 0 ? start == from : !alnum(bytes[i - 1]);
                int after = i + needle.length;
                boolean afterOk = after == bytes.length ? start + n == to : !alnum(bytes[after]);
                if ((before || i == 0) && afterOk) {
                    return start + i;
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
        byte[] buf = new byte[piece + needle.length];
        for (long at = from; at < to; at += piece) {
            int n = spool.read(buf, (int) Math.min(piece + needle.length - 1, to - at), at);
            byte[] bytes = java.util.Arrays.copyOf(buf, n);
            int i = indexOf(bytes, needle, 0);
            if (i >= 0) {
                return at + i;
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
}
