package dev.fdcapture.internal;

import dev.fdcapture.internal.posix.Libc;

import dev.fdcapture.internal.posix.NativeBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * Starts a spool's reader when the first byte arrives, so that a capture nobody
 * writes to costs no thread hand-off at all: one daemon thread and one inotify
 * instance watch every spool that has no reader yet. The watch is added before
 * the fd is pointed at the spool, so no write can go unnoticed. When no inotify
 * instance can be had, readers start at once.
 *
 * <p>At JVM exit a shutdown hook wakes the thread (it adds and removes a watch,
 * and the removal queues an {@code IN_IGNORED} event) and it ends, starting any reader still
 * waiting; captures made after that start their readers at once. A thread left
 * blocked in a native {@code read} would hold up the JVM's exit: HotSpot waits up
 * to 300 ms for threads in native code at its final safepoint, measured here as
 * 300 ms added to every application that had captured once.
 */
final class Dispatcher implements Runnable {
    /** struct inotify_event: int wd; uint32_t mask, cookie, len; char name[len]. */
    private static final int EVENT_HEADER = 16;
    private static final Dispatcher INSTANCE = create();

    private final int inotify;
    private final Map<Integer, Slot> waiting = new HashMap<>();
    private volatile boolean exiting;

    private Dispatcher(int inotify) {
        this.inotify = inotify;
    }

    private static Dispatcher create() {
        try {
            Dispatcher d = new Dispatcher(Libc.inotifyInit1(Libc.IN_CLOEXEC));
            Runtime.getRuntime().addShutdownHook(new Thread(new Runnable() { // not d::wakeForExit: see package-info
                @Override
                public void run() {
                    d.wakeForExit();
                }
            }, "fdcapture-dispatcher-exit"));
            Thread t = new Thread(d, "fdcapture-dispatcher"); // no lambda: a class spun at the first start
            t.setDaemon(true);
            t.start();
            return d;
        } catch (RuntimeException e) {
            Log.LOG.log(System.Logger.Level.DEBUG, "fdcapture starts readers at once: no inotify instance", e);
            return null;
        }
    }

    /** From the shutdown hook: the thread leaves its native read and ends. */
    private void wakeForExit() {
        synchronized (this) {
            exiting = true;
            // Any file will do: the event that wakes the read is the removal's IN_IGNORED.
            int wd = Libc.inotifyAddWatch(inotify, "/", Libc.IN_ATTRIB);
            Libc.inotifyRmWatch(inotify, wd);
        }
    }

    /**
     * Starts watching the spool file at {@code path} for its first write; before
     * the fd is pointed at it. Returns the watch, or -1 when readers must start at once.
     */
    static int watch(String path) {
        Dispatcher d = INSTANCE;
        if (d == null) {
            return -1;
        }
        synchronized (d) {
            if (d.exiting) {
                return -1;
            }
            int wd = Libc.inotifyAddWatch(d.inotify, path, Libc.IN_MODIFY);
            d.waiting.put(wd, new Slot());
            return wd;
        }
    }

    /**
     * Waits for the first write again on a watch that {@link #detach} kept (a
     * reused spool file). False once the dispatcher has ended (JVM exit): the
     * watch is no use then.
     */
    static boolean watchAgain(int wd) {
        Dispatcher d = INSTANCE;
        if (wd < 0 || d == null) {
            return true;
        }
        synchronized (d) {
            if (d.exiting) {
                return false;
            }
            d.waiting.put(wd, new Slot());
            return true;
        }
    }

    /**
     * Stops waiting on {@code wd} but keeps the kernel's watch, for {@link #watchAgain}
     * or {@link #unwatch}. Returns false if the watch fired meanwhile (and is gone).
     */
    static boolean detach(int wd) {
        Dispatcher d = INSTANCE;
        if (wd < 0 || d == null) {
            return true;
        }
        synchronized (d) {
            return d.waiting.remove(wd) != null;
        }
    }

    /** Removes a watch that {@link #detach} kept. */
    static void unwatch(int wd) {
        Dispatcher d = INSTANCE;
        if (wd >= 0 && d != null) {
            Libc.inotifyRmWatch(d.inotify, wd);
        }
    }

    /** The reader for watch {@code wd}: started now if its spool was written to already. */
    static void attach(int wd, SpoolReader reader) {
        if (wd >= 0) {
            Dispatcher d = INSTANCE;
            synchronized (d) {
                Slot slot = d.waiting.get(wd);
                if (slot != null) {
                    slot.reader = reader;
                    return;
                }
            }
        }
        reader.startIfWaiting();
    }

    /** Stops watching (the reader was started or finished another way, or the spool closed). */
    static void cancel(int wd) {
        Dispatcher d = INSTANCE;
        if (wd < 0 || d == null) {
            return;
        }
        synchronized (d) {
            if (d.waiting.remove(wd) != null) {
                Libc.inotifyRmWatch(d.inotify, wd);
            }
        }
    }

    /** A watched spool; its reader once attached. */
    private static final class Slot {
        SpoolReader reader;
    }

    /** At exit: every reader still waiting for its first byte starts now. */
    private void startAllWaiting() {
        java.util.List<SpoolReader> readers = new java.util.ArrayList<>();
        synchronized (this) {
            for (Slot slot : waiting.values()) {
                if (slot.reader != null) {
                    readers.add(slot.reader);
                }
            }
            // Slots without a reader yet: attach() finds them gone and starts the reader itself.
            waiting.clear();
        }
        for (SpoolReader r : readers) {
            r.startIfWaiting();
        }
    }

    /** The dispatcher thread's loop. */
    @Override
    public void run() {
        NativeBuffer events = Libc.allocate(4096);
        while (true) {
            long n;
            try {
                n = Libc.read(inotify, events, events.capacity());
            } catch (RuntimeException e) {
                Log.LOG.log(System.Logger.Level.ERROR, "fdcapture dispatcher stopped", e);
                return;
            }
            if (exiting) {
                startAllWaiting();
                return;
            }
            for (long at = 0; at + EVENT_HEADER <= n; ) {
                int wd = events.bytes().getInt((int) at);
                SpoolReader reader = null;
                synchronized (this) {
                    Slot slot = waiting.remove(wd);
                    if (slot != null) {
                        Libc.inotifyRmWatch(inotify, wd);
                        reader = slot.reader; // null: attach() will see the slot gone and start it
                    }
                }
                if (reader != null) {
                    reader.startIfWaiting();
                }
                at += EVENT_HEADER + Integer.toUnsignedLong(events.bytes().getInt((int) (at + 12)));
            }
        }
    }
}
