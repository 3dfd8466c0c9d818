package dev.fdcapture.internal;

import dev.fdcapture.CaptureException;
import dev.fdcapture.internal.posix.Errno;
import dev.fdcapture.internal.posix.Libc;
import dev.fdcapture.internal.posix.NativeBuffer;

/**
 * Where a redirected fd pointed before the redirection (the saved copy), as the
 * reader writes to it: {@code Sink.original()} in a tee, echo, and a lingering
 * child's late output. <b>A destination that is gone</b> ({@code java App | head -1}:
 * EPIPE; a closed terminal: EIO; a reset socket) <b>is the reader's problem, not
 * the redirection's</b>: from the first such failure on, writes to it are dropped
 * quietly, after one warning, and everything else goes on. The JVM ignores
 * SIGPIPE, so the write fails instead of killing the process. Other failures
 * are thrown as usual.
 */
final class OriginalFd {
    private final int fd;
    private final String label;
    private final Failures failures;
    private volatile boolean gone;

    /** {@code label} names the redirected fd in the warning: {@code stdout}, {@code stderr}, {@code merged}. */
    OriginalFd(int fd, String label, Failures failures) {
        this.fd = fd;
        this.label = label;
        this.failures = failures;
    }

    int fd() {
        return fd;
    }

    /** Writes {@code buf[0, len)}, unless the destination is gone. */
    void write(NativeBuffer buf, long len) {
        if (gone) {
            return;
        }
        try {
            Libc.writeFully(fd, buf, len);
        } catch (CaptureException e) {
            lost(e);
        }
    }

    /** Writes {@code bytes[offset, offset + len)}, unless the destination is gone. */
    void write(byte[] bytes, int offset, int len) {
        if (gone) {
            return;
        }
        try {
            Libc.writeFully(fd, bytes, offset, len);
        } catch (CaptureException e) {
            lost(e);
        }
    }

    private void lost(CaptureException e) {
        int errno = e.errno();
        if (errno != Errno.EPIPE && errno != Errno.EIO && errno != Errno.ECONNRESET) {
            throw e;
        }
        if (!gone) {
            gone = true;
            failures.warn("fdcapture stopped writing to where " + label + " pointed before the redirection,"
                    + " which is gone: " + e.getMessage() + "; the other sinks go on");
        }
    }
}
