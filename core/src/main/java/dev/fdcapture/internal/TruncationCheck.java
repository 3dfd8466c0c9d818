package dev.fdcapture.internal;

import java.util.Arrays;

/**
 * Notices that a spool file which can shrink (a regular file: no
 * {@code F_SEAL_SHRINK}) was truncated under its reader, as a child's
 * {@code > /dev/stdout} does, so the reader starts over at the file's new start
 * instead of reading what was written after the truncation from where it was.
 *
 * <p>Each read also takes the last {@value #TAIL} bytes the reader consumed
 * (they stay in the file: the reader frees only whole pages behind them) and
 * compares them. A file now shorter than what was consumed, or with other bytes
 * there, was truncated (and perhaps written again) since. Same syscall, no
 * extra one; only what the sentinel cannot see is missed: a truncation followed
 * by exactly the same last bytes again.
 */
final class TruncationCheck {
    /** How many consumed bytes each read checks. */
    static final int TAIL = 16;

    /** The last {@code length} bytes before the reader's offset. */
    private final byte[] tail = new byte[TAIL];
    private int length;

    /**
     * Reads up to {@code want} bytes at {@code offset} into {@code buf[0, want)},
     * which must have room for {@value #TAIL} more; returns how many (0 when none
     * are there yet), or -1 if the file was truncated since the last read.
     */
    int read(Spool spool, byte[] buf, int want, long offset) {
        int k = length;
        int got = spool.read(buf, want + k, offset - k);
        if (got < k || !Arrays.equals(buf, 0, k, tail, 0, k)) {
            return -1; // shorter than what was consumed, or other bytes where they were
        }
        if (k == 0 && got == 0 && offset > 0 && spool.size() < offset) {
            return -1; // nothing to compare with (just after a skip), but shorter all the same
        }
        int n = got - k;
        if (k > 0 && n > 0) {
            System.arraycopy(buf, k, buf, 0, n);
        }
        return n;
    }

    /** The reader consumed {@code buf[0, n)}, as {@link #read} returned them. */
    void consumed(byte[] buf, int n) {
        if (n >= TAIL) {
            System.arraycopy(buf, n - TAIL, tail, 0, TAIL);
            length = TAIL;
        } else if (n > 0) {
            int keep = Math.min(length, TAIL - n);
            System.arraycopy(tail, length - keep, tail, 0, keep);
            System.arraycopy(buf, 0, tail, keep, n);
            length = keep + n;
        }
    }

    /** The reader moved past bytes it did not read (skipped, or started over): nothing to compare next time. */
    void forget() {
        length = 0;
    }
}
