package dev.fdcapture.internal;

import dev.fdcapture.internal.posix.Libc;

import java.util.HashMap;
import java.util.Map;

/**
 * Spool files that a capture left empty, kept for the next capture of the same
 * kind, so that a warm empty capture does not create, seal, watch, unwatch and
 * close a file every time (half of its system calls).
 *
 * <p>Only a file that nobody can write to any more goes back: nothing was ever
 * written to it, and its write description was released by every holder (the
 * description's lock is gone, so no child or {@code dup} still holds it; see
 * {@link Spool}). A capture that reuses it opens a write description of its own,
 * so the end of its stream is exact as before. A spool that was written to, or
 * that a child still held at close, is never reused.
 *
 * <p>At most one file per kind ({@code fdcapture-stdout}, {@code -stderr},
 * {@code -merged}) is kept: three close-on-exec descriptors at most, holding no
 * data, open for the life of the process.
 */
final class SpoolPool {
    private static final Map<String, SpoolFile> IDLE = new HashMap<>();

    private SpoolPool() {
    }

    /**
     * An empty file of this kind and backing, reused if one is idle, else new;
     * its dispatcher watch is on. An idle file of another backing (the property
     * changed) is closed.
     */
    static SpoolFile take(String name, SpoolBacking backing) {
        SpoolFile f;
        synchronized (IDLE) {
            f = IDLE.remove(name);
        }
        if (f != null && f.backing.equals(backing.toString()) && Dispatcher.watchAgain(f.dispatchWatch())) {
            return f;
        }
        if (f != null) {
            f.close(true); // another backing, or the dispatcher has ended and a new file gets no watch
        }
        return SpoolFile.create(name, backing);
    }

    /**
     * Keeps {@code f} for the next capture if its kind has no idle file yet;
     * closes it otherwise. The caller has made sure it is empty and unwritable,
     * and has taken it off the dispatcher ({@link Dispatcher#detach}).
     */
    static void give(SpoolFile f) {
        synchronized (IDLE) {
            if (!IDLE.containsKey(f.name)) {
                IDLE.put(f.name, f);
                return;
            }
        }
        f.close(true);
    }

    /** The descriptors of the idle files, for leak checks. */
    static java.util.Set<Integer> idle() {
        synchronized (IDLE) {
            java.util.Set<Integer> fds = new java.util.TreeSet<>();
            for (SpoolFile f : IDLE.values()) {
                fds.add(f.fd);
            }
            return fds;
        }
    }

    /** The file behind a spool: the descriptor the reader reads, the path writers open, the dispatcher's watch. */
    static final class SpoolFile {
        final int fd;
        final String path;
        /** Whether the file can shrink under the reader (a regular file: no F_SEAL_SHRINK). */
        final boolean shrinkable;
        /** The dispatcher's watch: {@link #UNWATCHED} until the first capture on this file asks for it. */
        private int dispatchWatch = UNWATCHED;
        private static final int UNWATCHED = -2;
        /** What was opened: for the free space of a file's filesystem. */
        final SpoolBacking.Opened opened;
        /** The kind ({@code fdcapture-stdout}...) and the backing asked for when it was made. */
        private final String name;
        private final String backing;

        private SpoolFile(SpoolBacking.Opened opened, String name, String backing) {
            this.fd = opened.fd();
            this.opened = opened;
            this.path = "/proc/self/fd/" + fd;
            this.shrinkable = !opened.sealed();
            this.name = name;
            this.backing = backing;
        }

        /** The dispatcher's watch for the first write (-1: none, readers start at once). */
        int dispatchWatch() {
            return dispatchWatch == UNWATCHED ? -1 : dispatchWatch;
        }

        /**
         * Makes sure the dispatcher watches this file; the first capture on it calls
         * this once its write description is open, the same order as before files
         * were reused (the open is what fails first where /proc/self/fd is hidden).
         */
        void watch() {
            if (dispatchWatch == UNWATCHED) {
                dispatchWatch = Dispatcher.watch(path);
            }
        }

        static SpoolFile create(String name, SpoolBacking backing) {
            SpoolBacking.Opened file = backing.open(name);
            try {
                return new SpoolFile(file, name, backing.toString());
            } catch (RuntimeException | Error e) {
                Libc.closeAfterFailure(file.fd(), e);
                throw e;
            }
        }

        /**
         * Closes the file; {@code detached}: its dispatcher watch was taken off
         * with {@link Dispatcher#detach} and must be removed here.
         */
        void close(boolean detached) {
            RuntimeException failure = null;
            try {
                if (detached) {
                    Dispatcher.unwatch(dispatchWatch());
                } else {
                    Dispatcher.cancel(dispatchWatch());
                }
            } catch (RuntimeException e) {
                failure = e;
            }
            try {
                Libc.close(fd);
            } catch (RuntimeException e) {
                failure = Failures.chain(failure, e);
            }
            if (failure != null) {
                throw failure;
            }
        }
    }
}
