package dev.fdcapture.internal;

import dev.fdcapture.internal.posix.Libc;

/**
 * The transport: an in-memory file ({@code memfd}) that fd 1 or fd 2 is pointed
 * at, tailed by a reader. A write to it never waits for the reader, so no
 * writer, not even the JVM's VM thread inside a safepoint, can be blocked by a
 * Java thread (HAZARDS.md item 4).
 *
 * <ul>
 * <li>Writers use their own open file description of the memfd, opened through
 * {@code /proc/self/fd} with O_APPEND: Linux 6.14+ sends no inotify events for
 * the memfd's own description, and O_APPEND keeps concurrent writers and
 * children from overwriting each other.</li>
 * <li>That write description holds an open-file-description lock. It goes away
 * only when the last holder of the description, this process or a child that
 * inherited fd 1, closes it: the exact end of the stream, like end-of-file on a
 * pipe. IN_CLOSE_WRITE alone is not, since any other writable open of the file
 * (a child's {@code >> /dev/stdout}) raises it too.</li>
 * <li>Consumed bytes are freed with {@code fallocate(PUNCH_HOLE)}; the file's
 * size only grows, and F_SEAL_SHRINK makes a child's {@code > /dev/stdout}
 * fail instead of truncating the spool under the reader.</li>
 * </ul>
 */
public final class Spool implements AutoCloseable {
    private final int memfd;
    private final String path;
    private volatile int writeFd;
    private final int dispatchWatch;

    private Spool(int memfd, int writeFd) {
        this.memfd = memfd;
        this.path = "/proc/self/fd/" + memfd;
        this.writeFd = writeFd;
        this.dispatchWatch = Dispatcher.watch(this);
    }

    /** The dispatcher's watch for the first write, or -1. */
    int dispatchWatch() {
        return dispatchWatch;
    }

    /** Creates a spool; on failure nothing is left open. */
    public static Spool create(String name) {
        int memfd = -1;
        int writeFd = -1;
        try {
            memfd = Libc.memfdCreate(name, Libc.MFD_CLOEXEC | Libc.MFD_ALLOW_SEALING);
            Libc.addSeals(memfd, Libc.F_SEAL_SHRINK);
            writeFd = Libc.open("/proc/self/fd/" + memfd, Libc.O_WRONLY | Libc.O_APPEND | Libc.O_CLOEXEC, 0);
            Libc.lockDescription(writeFd);
            return new Spool(memfd, writeFd);
        } catch (RuntimeException | Error e) {
            Libc.closeAfterFailure(writeFd, e);
            Libc.closeAfterFailure(memfd, e);
            throw e;
        }
    }

    /** The descriptor to {@code dup2} onto fd 1 or fd 2. */
    public int writeFd() {
        return writeFd;
    }

    /** A path naming the spool's file, for inotify. */
    String path() {
        return path;
    }

    /** Drops our reference to the write description; idempotent. */
    public void closeWriteEnd() {
        int fd;
        synchronized (this) {
            fd = writeFd;
            writeFd = -1;
        }
        if (fd >= 0) {
            Libc.close(fd);
        }
    }

    /** Whether anyone (we, or a child) still holds the write description. */
    boolean writersAlive() {
        return Libc.descriptionLocked(memfd);
    }

    /** Raises IN_ATTRIB so a reader sleeping on the spool wakes up. */
    void wake() {
        Libc.fchmod(memfd, 0600);
    }

    /** Bytes written so far (including those already consumed). */
    public long size() {
        return Libc.size(memfd);
    }

    /** Copies up to {@code length} bytes at {@code offset} into {@code array}; 0 when none are there yet. */
    int read(byte[] array, int length, long offset) {
        return Libc.pread(memfd, array, length, offset);
    }

    /** Frees the memory of {@code [from, to)}; both page-aligned. */
    public void release(long from, long to) {
        if (to > from) {
            Libc.punchHole(memfd, from, to - from);
        }
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        try {
            Dispatcher.cancel(dispatchWatch);
        } catch (RuntimeException e) {
            failure = e;
        }
        try {
            closeWriteEnd();
        } catch (RuntimeException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
        try {
            Libc.close(memfd);
        } catch (RuntimeException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
