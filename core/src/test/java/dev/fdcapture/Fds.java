package dev.fdcapture;

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

    /** How many descriptors this process has open. */
    static long openCount() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
