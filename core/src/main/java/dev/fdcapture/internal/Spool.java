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
    private final SpoolPool.SpoolFile file;
    private final int memfd;
    private volatile int writeFd;
    /** Set by the reader when the spool ended empty and unwritable: close() gives the file back to the pool. */
    private volatile boolean reusable;

    private Spool(SpoolPool.SpoolFile file, int writeFd) {
        this.file = file;
        this.memfd = file.fd;
        this.writeFd = writeFd;
    }

    /**
     * The descriptors of the spool files kept open for the next capture
     * ({@link SpoolPool}: empty, unwritable, at most one per kind), for leak checks.
     */
    public static java.util.Set<Integer> idleDescriptors() {
        return SpoolPool.idle();
    }

    /** The dispatcher's watch for the first write, or -1. */
    int dispatchWatch() {
        return file.dispatchWatch();
    }

    /**
     * Creates a spool on the backing {@link SpoolBacking#choose()} picks, on an
     * idle file of the same kind if there is one ({@link SpoolPool}), with a write
     * description of its own; on failure nothing is left open.
     */
    public static Spool create(String name) {
        SpoolPool.SpoolFile file = SpoolPool.take(name, SpoolBacking.choose());
        int writeFd = -1;
        try {
            writeFd = Libc.open(file.path, Libc.O_WRONLY | Libc.O_APPEND | Libc.O_CLOEXEC, 0);
            Libc.lockDescription(writeFd);
            file.watch();
            return new Spool(file, writeFd);
        } catch (RuntimeException | Error e) {
            Libc.closeAfterFailure(writeFd, e);
            try {
                file.close(false);
            } catch (RuntimeException c) {
                e.addSuppressed(c);
            }
            throw e;
        }
    }

    /** The descriptor to {@code dup2} onto fd 1 or fd 2. */
    public int writeFd() {
        return writeFd;
    }

    /** A path naming the spool's file, for inotify. */
    String path() {
        return file.path;
    }

    /** Whether the file can shrink under the reader: a regular file, which has no F_SEAL_SHRINK. */
    boolean shrinkable() {
        return file.shrinkable;
    }

    /**
     * Whether the file's filesystem is running out of room (a file in a
     * directory; a memfd never is): the reader then drops the backlog, so that
     * writers' writes do not fail.
     */
    boolean lowOnSpace() {
        return file.opened.lowOnSpace();
    }

    /** How much consumed spool the reader should free at once, at most {@code step}. */
    long releaseStep(long step) {
        return file.opened.releaseStep(step);
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

    /**
     * For a reader that never ran, once the write end is closed: if nothing was
     * written and nobody holds the write description any more, marks the file for
     * reuse by a later capture (see {@link SpoolPool}) and returns true.
     */
    boolean endedEmpty() {
        if (size() != 0 || writersAlive()) {
            return false;
        }
        // The dispatcher's watch stays on the file for its next use; if the
        // dispatcher took it meanwhile, something touched the file: not reused.
        reusable = Dispatcher.detach(file.dispatchWatch());
        return true;
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
            closeWriteEnd();
        } catch (RuntimeException e) {
            failure = e;
        }
        try {
            if (reusable && failure == null) {
                SpoolPool.give(file);
            } else {
                file.close(reusable);
            }
        } catch (RuntimeException e) {
            failure = Failures.chain(failure, e);
        }
        if (failure != null) {
            throw failure;
        }
    }
}
