package dev.fdcapture.internal;

import dev.fdcapture.internal.posix.Libc;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

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
 * <li>The reader sleeps in {@code read(2)} on an inotify instance watching the
 * file: IN_MODIFY means data, IN_CLOSE_WRITE (after {@link #closeWriteEnd})
 * means the last holder of the write description, ourselves or a child, is gone,
 * and IN_ATTRIB, raised by {@link #wake} with {@code fchmod}, is a wake-up.</li>
 * <li>Consumed bytes are freed with {@code fallocate(PUNCH_HOLE)}; the file's
 * size only grows, and F_SEAL_SHRINK makes a child's {@code > /dev/stdout}
 * fail instead of truncating the spool under the reader.</li>
 * </ul>
 */
public final class Spool implements AutoCloseable {
    private static final int WATCH_MASK = Libc.IN_MODIFY | Libc.IN_CLOSE_WRITE | Libc.IN_ATTRIB;
    /** struct inotify_event: int wd; uint32_t mask, cookie, len; char name[len]. */
    private static final int EVENT_HEADER = 16;

    private final int memfd;
    private final int inotify;
    private volatile int writeFd;

    private Spool(int memfd, int inotify, int writeFd) {
        this.memfd = memfd;
        this.inotify = inotify;
        this.writeFd = writeFd;
    }

    /** Creates a spool; on failure nothing is left open. */
    public static Spool create(String name) {
        int memfd = -1;
        int inotify = -1;
        int writeFd = -1;
        try {
            memfd = Libc.memfdCreate(name, Libc.MFD_CLOEXEC | Libc.MFD_ALLOW_SEALING);
            Libc.addSeals(memfd, Libc.F_SEAL_SHRINK);
            String path = "/proc/self/fd/" + memfd;
            writeFd = Libc.open(path, Libc.O_WRONLY | Libc.O_APPEND | Libc.O_CLOEXEC, 0);
            inotify = Libc.inotifyInit1(Libc.IN_CLOEXEC);
            Libc.inotifyAddWatch(inotify, path, WATCH_MASK);
            return new Spool(memfd, inotify, writeFd);
        } catch (RuntimeException | Error e) {
            closeQuietly(writeFd, e);
            closeQuietly(inotify, e);
            closeQuietly(memfd, e);
            throw e;
        }
    }

    /** The descriptor to {@code dup2} onto fd 1 or fd 2. */
    public int writeFd() {
        return writeFd;
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

    /** Raises IN_ATTRIB so a reader sleeping in {@link #awaitEvents} wakes up. */
    public void wake() {
        Libc.fchmod(memfd, 0600);
    }

    /** Bytes written so far (including those already consumed). */
    public long size() {
        return Libc.size(memfd);
    }

    /** Copies up to {@code length} bytes at {@code offset} into {@code buffer}; 0 when none are there yet. */
    public long read(MemorySegment buffer, long length, long offset) {
        return Libc.pread(memfd, buffer, length, offset);
    }

    /** Frees the memory of {@code [from, to)}; both page-aligned. */
    public void release(long from, long to) {
        if (to > from) {
            Libc.punchHole(memfd, from, to - from);
        }
    }

    /** Sleeps until at least one event arrives; returns the union of their masks. */
    public int awaitEvents(MemorySegment eventBuffer) {
        long n = Libc.read(inotify, eventBuffer, eventBuffer.byteSize());
        int mask = 0;
        for (long at = 0; at + EVENT_HEADER <= n; ) {
            mask |= eventBuffer.get(ValueLayout.JAVA_INT, at + 4);
            at += EVENT_HEADER + Integer.toUnsignedLong(eventBuffer.get(ValueLayout.JAVA_INT, at + 12));
        }
        return mask;
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        try {
            closeWriteEnd();
        } catch (RuntimeException e) {
            failure = e;
        }
        for (int fd : new int[] {inotify, memfd}) {
            try {
                Libc.close(fd);
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static void closeQuietly(int fd, Throwable primary) {
        if (fd >= 0) {
            try {
                Libc.close(fd);
            } catch (RuntimeException e) {
                primary.addSuppressed(e);
            }
        }
    }
}
