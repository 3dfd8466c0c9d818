package dev.fdcapture.internal;

import dev.fdcapture.CaptureException;
import dev.fdcapture.internal.posix.Libc;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a {@link Spool}'s bytes live in: an anonymous memory file
 * ({@code memfd_create}), or an unnamed file ({@code O_TMPFILE}) in a directory.
 * Chosen per spool by the system property {@value #PROPERTY}: {@code memfd},
 * {@code tmpfile} (in {@code java.io.tmpdir}) or {@code tmpfile:DIR}; unset,
 * fdcapture picks (see {@link #choose}).
 *
 * <p>The two differ in what a child can do to them: a memfd is sealed against
 * shrinking ({@code F_SEAL_SHRINK}), so a child's {@code > /dev/stdout} fails
 * instead of truncating it; a regular file has no seals, so the reader has to
 * notice a truncation and go on from the new start ({@link TruncationCheck}).
 * In where a backlog goes: shared memory, charged to the memory cgroup and
 * never written out, for a memfd; the page cache, which the kernel may write
 * out to disk, for a file on a disk filesystem. And in what limits it: memory
 * for a memfd; for a file its filesystem's free space, which the reader watches
 * ({@link Opened#lowOnSpace}) so that a full disk drops the backlog, counted,
 * like the backlog limit, instead of failing the writers' writes.
 */
public final class SpoolBacking {
    /** The system property that picks the backing, read at each start. */
    public static final String PROPERTY = "dev.fdcapture.spool";

    /** The memfd backing; also what every other one falls back to. */
    static final SpoolBacking MEMFD = new SpoolBacking(null);

    /** Directories found unusable, with why: asked once, then memfd without asking again. */
    private static final Map<String, String> UNUSABLE = new ConcurrentHashMap<>();

    /** null: a memfd. */
    private final String dir;

    private SpoolBacking(String dir) {
        this.dir = dir;
    }

    /** The backing a new spool gets now: what {@value #PROPERTY} says, else fdcapture's choice. */
    static SpoolBacking choose() {
        String asked = System.getProperty(PROPERTY);
        if (asked == null || asked.isEmpty() || asked.equals("memfd")) {
            return MEMFD;
        }
        if (asked.equals("tmpfile")) {
            return new SpoolBacking(System.getProperty("java.io.tmpdir"));
        }
        if (asked.startsWith("tmpfile:") && asked.length() > 8) {
            return new SpoolBacking(asked.substring(8));
        }
        throw new IllegalArgumentException("-D" + PROPERTY + "=" + asked + ": use memfd, tmpfile or tmpfile:DIR");
    }

    /** Whether this backing is a memfd (sealable) rather than a file in a directory. */
    boolean isMemfd() {
        return dir == null;
    }

    /**
     * A spool's file: its descriptor, whether it is a memfd sealed against
     * shrinking, and for a file in a directory that directory's filesystem.
     */
    record Opened(int fd, boolean sealed, Space space) {
        /** Whether the file's filesystem has less room left than the reader keeps free. */
        boolean lowOnSpace() {
            return space != null && space.low();
        }

        /** How much consumed spool the reader frees at once. */
        long releaseStep(long step) {
            return space == null ? step : Math.min(step, Math.max(64 << 10, space.reserve / 4));
        }
    }

    /**
     * The free space of a spool directory's filesystem. The reader keeps
     * {@link #reserve} free: 32 MiB, or a quarter of a smaller filesystem.
     */
    static final class Space {
        private static final long RESERVE = 32 << 20;
        private final FileStore store;
        final long reserve;

        private Space(FileStore store, long total) {
            this.store = store;
            this.reserve = Math.min(RESERVE, total / 4);
        }

        /** Less than {@link #reserve} left, or the filesystem cannot say (the directory went away). */
        boolean low() {
            try {
                return store.getUsableSpace() < reserve;
            } catch (IOException e) {
                return true;
            }
        }
    }

    /** Filesystems of spool directories, looked up once each (finding one reads the mount table). */
    private static final Map<String, Space> SPACES = new ConcurrentHashMap<>();

    /**
     * A new descriptor, opened for reading and writing, of an empty file of this
     * backing; a memfd named {@code name} (sealed against shrinking) if this is
     * the memfd backing or its directory cannot be used.
     */
    Opened open(String name) {
        if (dir != null && !UNUSABLE.containsKey(dir)) {
            Space space = space(dir);
            if (space == null) {
                UNUSABLE.put(dir, "no filesystem");
            } else if (space.low()) {
                // Full (or nearly): writers would fail. Memory this time; the next spool asks again.
                Log.LOG.log(System.Logger.Level.DEBUG, "fdcapture spools in memory: less than {0} bytes free in {1}",
                        space.reserve, dir);
            } else {
                try {
                    return new Opened(Libc.open(dir, Libc.O_TMPFILE | Libc.O_RDWR | Libc.O_CLOEXEC, 0600), false,
                            space);
                } catch (CaptureException e) {
                    // EOPNOTSUPP (a filesystem without O_TMPFILE), EISDIR (a kernel without it),
                    // ENOENT, EACCES: memfd, and no more tries for this directory.
                    UNUSABLE.put(dir, e.getMessage());
                    Log.LOG.log(System.Logger.Level.DEBUG, "fdcapture spools in memory: " + e.getMessage());
                }
            }
        }
        int fd = Libc.memfdCreate(name, Libc.MFD_CLOEXEC | Libc.MFD_ALLOW_SEALING);
        try {
            Libc.addSeals(fd, Libc.F_SEAL_SHRINK);
        } catch (RuntimeException | Error e) {
            Libc.closeAfterFailure(fd, e);
            throw e;
        }
        return new Opened(fd, true, null);
    }

    /** The filesystem of {@code dir}, or null if there is none to be found. */
    private static Space space(String dir) {
        Space s = SPACES.get(dir);
        if (s == null) {
            try {
                FileStore store = Files.getFileStore(Path.of(dir));
                s = new Space(store, store.getTotalSpace());
                SPACES.put(dir, s);
            } catch (IOException | RuntimeException e) {
                Log.LOG.log(System.Logger.Level.DEBUG, "fdcapture spools in memory: " + dir + ": " + e);
                return null;
            }
        }
        return s;
    }

    @Override
    public String toString() {
        return dir == null ? "memfd" : "tmpfile:" + dir;
    }
}
