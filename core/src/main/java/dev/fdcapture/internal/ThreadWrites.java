package dev.fdcapture.internal;

import dev.fdcapture.internal.posix.Libc;

/**
 * What the calling thread has written, from {@code /proc/thread-self/io}: bytes
 * passed to write calls ({@code wchar}) and how many calls ({@code syscw}),
 * counted by the kernel per thread, whatever the file, stream or library. The
 * echo guard's evidence that a logger call wrote anything at all, and how much
 * (see {@link EchoGuard#log}).
 *
 * <p>Bound to the thread that opened it ({@code thread-self} is resolved at
 * open): reader threads keep theirs for their life; other threads open one for
 * a single call.
 */
final class ThreadWrites implements AutoCloseable {
    private static final String PATH = "/proc/thread-self/io";

    private final int fd;
    private final byte[] buf = new byte[512];
    /** The last sample, while nothing else on this thread wrote since (see {@link #sinceLast}). */
    private final long[] last = new long[2];
    private boolean lastValid;

    private ThreadWrites(int fd) {
        this.fd = fd;
    }

    /** For the calling thread; {@link #available()} is false when the file cannot be read. */
    static ThreadWrites open() {
        int fd;
        try {
            fd = Libc.open(PATH, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        } catch (RuntimeException e) {
            fd = -1; // no /proc, or a kernel without task I/O accounting
        }
        return new ThreadWrites(fd);
    }

    boolean available() {
        return fd >= 0;
    }

    /**
     * Puts {@code wchar} and {@code syscw} into {@code into[0]} and {@code into[1]};
     * false when they cannot be read.
     */
    boolean sample(long[] into) {
        if (fd < 0) {
            return false;
        }
        int n;
        try {
            n = Libc.pread(fd, buf, buf.length, 0);
        } catch (RuntimeException e) {
            return false;
        }
        long wchar = field(n, "wchar:");
        long syscw = field(n, "syscw:");
        if (wchar < 0 || syscw < 0) {
            return false;
        }
        into[0] = wchar;
        into[1] = syscw;
        return true;
    }

    /**
     * Like {@link #sample}, but reuses the previous sample when this thread wrote
     * nothing since (a reading costs about a microsecond): successive logger calls
     * of one read share their samples. Stores the new sample for the next call.
     */
    boolean sinceLast(long[] into) {
        if (lastValid) {
            into[0] = last[0];
            into[1] = last[1];
            return true;
        }
        return sample(into);
    }

    /** Remembers {@code sample} as the latest, until {@link #wroteSince()}. */
    void keep(long[] sample) {
        last[0] = sample[0];
        last[1] = sample[1];
        lastValid = true;
    }

    /** This thread wrote (or may have) since the kept sample: the next call reads the counters again. */
    void wroteSince() {
        lastValid = false;
    }

    /** The number after {@code name} in {@code buf[0, n)}, or -1. */
    private long field(int n, String name) {
        outer:
        for (int i = 0; i + name.length() <= n; i++) {
            if (i > 0 && buf[i - 1] != '\n') {
                continue;
            }
            for (int j = 0; j < name.length(); j++) {
                if (buf[i + j] != name.charAt(j)) {
                    continue outer;
                }
            }
            long v = 0;
            boolean digits = false;
            for (int k = i + name.length(); k < n; k++) {
                byte b = buf[k];
                if (b >= '0' && b <= '9') {
                    v = v * 10 + (b - '0');
                    digits = true;
                } else if (b != ' ' || digits) {
                    break;
                }
            }
            return digits ? v : -1;
        }
        return -1;
    }

    @Override
    public void close() {
        if (fd >= 0) {
            Libc.close(fd);
        }
    }
}
