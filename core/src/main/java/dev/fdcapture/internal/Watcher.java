package dev.fdcapture.internal;

import dev.fdcapture.internal.posix.Libc;

import dev.fdcapture.internal.posix.NativeBuffer;
import java.util.concurrent.locks.LockSupport;

/**
 * How a reader thread sleeps until its spool changes: one inotify instance per
 * reader thread, kept for the thread's life, with a watch per spool. Closing an
 * inotify instance waits for an RCU grace period (about 16 ms here), so a
 * capture must not create and close its own; and instances are limited to 128
 * per user. When none can be had, the reader polls every millisecond instead.
 */
final class Watcher implements AutoCloseable {
    private static final int MASK = Libc.IN_MODIFY | Libc.IN_CLOSE_WRITE | Libc.IN_ATTRIB;
    /** The mask while the reader is busy: writers then pay nothing for inotify. */
    private static final int BUSY_MASK = Libc.IN_CLOSE_WRITE | Libc.IN_ATTRIB;
    /** struct inotify_event: int wd; uint32_t mask, cookie, len; char name[len]. */
    private static final int EVENT_HEADER = 16;
    private static final long POLL_NANOS = 1_000_000;

    private final int inotify;
    private final NativeBuffer events = Libc.allocate(4096);

    Watcher() {
        int fd;
        try {
            fd = Libc.inotifyInit1(Libc.IN_CLOEXEC);
        } catch (RuntimeException e) {
            Log.LOG.log(System.Logger.Level.DEBUG, "fdcapture polls instead of using inotify", e);
            fd = -1;
        }
        this.inotify = fd;
    }

    /** Starts watching; returns the watch descriptor, or -1 when polling. */
    int watch(Spool spool) {
        return inotify < 0 ? -1 : Libc.inotifyAddWatch(inotify, spool.path(), MASK);
    }

    /**
     * Turns IN_MODIFY events on ({@code armed}) or off for the spool. An event
     * costs every write a little (0.5-1 us here); the reader needs them only
     * while it sleeps. Returns whether it changed anything.
     */
    boolean arm(Spool spool, boolean armed) {
        if (inotify < 0) {
            return false;
        }
        Libc.inotifyAddWatch(inotify, spool.path(), armed ? MASK : BUSY_MASK);
        return true;
    }

    void unwatch(int wd) {
        if (wd >= 0) {
            Libc.inotifyRmWatch(inotify, wd);
        }
    }

    /**
     * Sleeps until an event for {@code wd} arrives (events of earlier watches are
     * skipped) and returns the union of their masks; when polling, sleeps a
     * millisecond and returns 0.
     */
    int await(int wd) {
        if (wd < 0) {
            LockSupport.parkNanos(POLL_NANOS);
            return 0;
        }
        while (true) {
            long n = Libc.read(inotify, events, events.capacity());
            int mask = 0;
            boolean ours = false;
            for (long at = 0; at + EVENT_HEADER <= n; ) {
                int eventWd = events.bytes().getInt((int) at);
                if (eventWd == wd || eventWd == -1) { // -1: the queue overflowed, anything may have happened
                    ours = true;
                    mask |= events.bytes().getInt((int) (at + 4));
                }
                at += EVENT_HEADER + Integer.toUnsignedLong(events.bytes().getInt((int) (at + 12)));
            }
            if (ours) {
                return mask;
            }
        }
    }

    @Override
    public void close() {
        if (inotify >= 0) {
            Libc.close(inotify);
        }
    }
}
