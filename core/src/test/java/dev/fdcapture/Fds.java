package dev.fdcapture;

import dev.fdcapture.internal.Spool;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** What file descriptors refer to, read from /proc, for restore and leak checks. */
final class Fds {
    private Fds() {
    }

    /** The device and inode fd refers to, like fstat's st_dev and st_ino. */
    static String identity(int fd) {
        Path p = Path.of("/proc/self/fd/" + fd);
        try {
            return Files.getAttribute(p, "unix:dev") + ":" + Files.getAttribute(p, "unix:ino");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Every open descriptor and what it refers to, leaving out what the JVM opens
     * lazily on its own (random devices, cgroup files, this very listing), what reader
     * threads keep for their life (inotify, /proc/thread-self/io) and the empty spool
     * files fdcapture keeps for the next capture ({@link Spool#idleDescriptors()};
     * {@code FdHygieneTest} checks that they stay bounded).
     */
    static java.util.SortedMap<Integer, String> snapshot() {
        java.util.Set<Integer> idle = Spool.idleDescriptors();
        java.util.SortedMap<Integer, String> fds = new java.util.TreeMap<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            s.forEach(p -> {
                try {
                    String target = Files.readSymbolicLink(p).toString();
                    int fd = Integer.parseInt(p.getFileName().toString());
                    if (!target.startsWith("/dev/random") && !target.startsWith("/dev/urandom")
                            && !target.matches("/proc/\\d+/fd") && !target.equals("anon_inode:inotify")
                            // a reader thread's own write counters, kept for its life like its inotify
                            && !target.matches("/proc/\\d+/task/\\d+/io")
                            // the JVM's container support reading its cgroup now and then (JDK 17)
                            && !target.startsWith("/sys/fs/cgroup/")
                            && !idle.contains(fd)) {
                        fds.put(fd, target);
                    }
                } catch (IOException e) {
                    // closed while listing: not open any more
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return fds;
    }

    /** How many inotify instances are open: each reader thread keeps one for its life. */
    static long inotifyCount() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.filter(p -> {
                try {
                    return Files.readSymbolicLink(p).toString().equals("anon_inode:inotify");
                } catch (IOException e) {
                    return false;
                }
            }).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * How many inotify instances fdcapture may hold now: one per reader thread
     * (named like {@code fdcapture-stdout-reader-1}) and the dispatcher's.
     */
    static long allowedInotify() {
        return 1 + Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("fdcapture-") && t.getName().contains("-reader-")).count();
    }

    /** How many descriptors this process has open. */
    static long openCount() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
