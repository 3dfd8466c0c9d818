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

    /**
     * The spool was truncated and is being read again from 0: the ranges
     * claimed as echo were offsets of the old contents and would skip new bytes.
     */
    void truncated() {
        synchronized (lock) {
            echoes.clear();
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
            Counts.add(windows, start);
            return start;
        }
    }

    /**
     * What a logger call tells about its echo when only its text can recognise
     * it: the text ({@link EchoGuard#needle}), and how many bytes in how many
     * write calls the calling thread made during the call; {@code writes} is -1
     * when the kernel's counters could not be read.
     */
    record TextEcho(byte[] needle, int occurrences, long bytes, long writes) {
        /** For {@code line}: its needle, and how often that occurs in the line itself (a logger prints it once). */
        static TextEcho of(String line, long bytes, long writes) {
            byte[] needle = EchoGuard.needle(line);
            byte[] own = line.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            return new TextEcho(needle, Math.max(1, tokens(own, own.length, needle, true).length), bytes, writes);
        }
    }

    /** The most of a window's bytes that is searched for a logger's echo: its tail. */
    private static final int SEARCH_LIMIT = 8 << 20;

    /**
     * Closes a window and says what of the bytes appended since it opened is the
     * action's echo: {@code exact} bytes where they occur (a raw write of exactly
     * those bytes: one write to a regular file is contiguous), or what
     * {@code text} allows (see {@link #textEcho}). Returns whether anything was claimed.
     */
    boolean closeWindow(long start, byte[] exact, TextEcho text) {
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
                long[] range;
                if (exact != null) {
                    long from = find(start, end, exact);
                    range = from < 0 ? null : new long[] {from, from + exact.length};
                } else if (text != null) {
                    range = textEcho(start, end, text);
                } else {
                    return false;
                }
                if (range == null) {
                    return false;
                }
                // Forward it now, not when the reader gets there: once the fd is
                // restored, later output reaches the original directly, and echo
                // left waiting in the spool would arrive after it.
                claim(range[0], range[1]);
                return true;
            } finally {
                Counts.remove(windows, start);
                lock.notifyAll();
            }
        }
    }

    /**
     * The echo of a logger call in {@code [start, end)}, or null. Only what the
     * calling thread wrote can be its echo, and a logger's output is whole lines
     * ending with the message's line:
     * <ul>
     * <li>no write at all: nothing;</li>
     * <li>one write of {@code n} bytes: a run of whole lines of exactly {@code n}
     * bytes with the text in it as often as in the line itself, usually once (one
     * write to a regular file is contiguous). If that write went elsewhere (a log
     * file), such a run is there only by the coincidence of native lines of
     * exactly that total length carrying the text once: with a bare
     * {@code %msg%n} file layout, a native line identical to the one being logged,
     * written during that very call;</li>
     * <li>several writes of {@code n} bytes in all (a console and a file appender):
     * the text's line and the whole lines before it, at most {@code n} bytes and
     * no earlier line with the text;</li>
     * <li>counters unknown: from the window's start to the end of the text's line.</li>
     * </ul>
     */
    private long[] textEcho(long start, long end, TextEcho text) {
        if (text.writes() == 0 || text.bytes() == 0) {
            return null;
        }
        long from = Math.max(start, end - SEARCH_LIMIT);
        byte[] r = new byte[(int) (end - from)];
        int n = spool.read(r, r.length, from);
        // The region may have grown or been read short: what was read is what counts.
        int length = n;
        byte[] needle = text.needle();
        int[] tokens = tokens(r, length, needle, from == start);
        if (tokens.length == 0) {
            return null;
        }
        if (text.writes() < 0) {
            int at = tokens[0];
            return new long[] {start, from + lineEnd(r, length, at + needle.length)};
        }
        long size = text.bytes();
        int k = text.occurrences();
        if (text.writes() == 1) {
            if (size > length) {
                return null;
            }
            int w = (int) size;
            // The last run of whole lines of exactly w bytes holding the text as often as the line does.
            for (int p = length - w; p >= 0; p--) {
                int e = p + w;
                boolean startsLine = p == 0 ? from == start : r[p - 1] == '\n';
                boolean endsLine = r[e - 1] == '\n' || e == length;
                if (startsLine && endsLine && count(tokens, p, e - needle.length) == k) {
                    return new long[] {from + p, from + e};
                }
            }
            return null;
        }
        for (int t = tokens.length - 1; t >= k - 1; t--) {
            int e = lineEnd(r, length, tokens[t] + needle.length);
            // The earliest line start from which [s, e) is at most size bytes and holds
            // no more of the text than one record's echo does.
            int s = (int) Math.max(0, e - size);
            if (t - k >= 0) {
                s = Math.max(s, lineEnd(r, length, tokens[t - k] + needle.length));
            }
            while (s < e && !(s == 0 ? from == start : r[s - 1] == '\n')) {
                s++;
            }
            if (s <= tokens[t - k + 1]) {
                return new long[] {from + s, from + e};
            }
        }
        return null;
    }

    /** How many tokens start in {@code [from, lastStart]}. */
    private static int count(int[] tokens, int from, int lastStart) {
        if (lastStart < from) {
            return 0;
        }
        int a = java.util.Arrays.binarySearch(tokens, from);
        int i = a >= 0 ? a : -a - 1;
        int b = java.util.Arrays.binarySearch(tokens, lastStart);
        int j = b >= 0 ? b + 1 : -b - 1;
        return Math.max(0, j - i);
    }

    /**
     * Where {@code needle} occurs in {@code r[0, length)} as a whole (no letter or
     * digit right before or after it, so {@code "line 23"} does not match
     * {@code "line 233"}), ascending. {@code leftOpen}: position 0 is the window's
     * start, so nothing is before it. An empty needle occurs at 0.
     */
    private static int[] tokens(byte[] r, int length, byte[] needle, boolean leftOpen) {
        if (needle.length == 0) {
            return length > 0 ? new int[] {0} : new int[0];
        }
        int[] found = new int[8];
        int count = 0;
        for (int i = indexOf(r, length, needle, 0); i >= 0; i = indexOf(r, length, needle, i + 1)) {
            boolean before = i == 0 ? leftOpen : !alnum(r[i - 1]);
            int after = i + needle.length;
            boolean afterOk = after == length || !alnum(r[after]);
            if (before && afterOk) {
                if (count == found.length) {
                    found = java.util.Arrays.copyOf(found, count * 2);
                }
                found[count++] = i;
            }
        }
        return java.util.Arrays.copyOf(found, count);
    }

    /** Just past the first newline at or after {@code from} in {@code r[0, length)}, or {@code length}. */
    private static int lineEnd(byte[] r, int length, int from) {
        for (int i = from; i < length; i++) {
            if (r[i] == '\n') {
                return i + 1;
            }
        }
        return length;
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
        return indexOf(haystack, haystack.length, needle, fromIndex);
    }

    private static int indexOf(byte[] haystack, int length, byte[] needle, int fromIndex) {
        outer:
        for (int i = fromIndex; i + needle.length <= length; i++) {
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
