package dev.fdcapture.internal;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * The memory cgroup limit of this process, and the default backlog limit it
 * implies. A spool is shared memory, charged to the memory cgroup: in a
 * container with a 512 MiB limit, a 256 MiB backlog per fd could bring the OOM
 * killer long before anything is dropped.
 *
 * <p>The limit is the smallest one set on the process's cgroup or any ancestor
 * up to the hierarchy's mount point: cgroup v2 {@code memory.max} ({@code max}
 * means none), cgroup v1 {@code memory.limit_in_bytes} (values near
 * {@code Long.MAX_VALUE} mean none), found through {@code /proc/self/cgroup} and
 * {@code /proc/self/mountinfo} the way the JDK's own container support does.
 * Anything unreadable counts as no limit: this never fails a capture.
 */
public final class MemoryLimit {
    /** The default without a cgroup limit, and the most it ever is. */
    public static final long MAX_DEFAULT_BACKLOG = 256L << 20;
    /** The smallest backlog limit there is. */
    public static final long MIN_BACKLOG = 1L << 20;
    /**
     * Each fd's default backlog is this fraction of the limit, so that a
     * redirection of both fds keeps at most 1/8 of it waiting.
     */
    public static final int FRACTION = 16;
    /** v1 reports "no limit" as the largest page-aligned value; anything this large is none. */
    private static final long V1_UNLIMITED = 1L << 62;

    private MemoryLimit() {
    }

    /**
     * The default backlog limit per fd for a process under {@code limit}: the
     * smaller of {@value #MAX_DEFAULT_BACKLOG} bytes and {@code limit / 16}, but
     * at least {@value #MIN_BACKLOG} bytes.
     */
    public static long defaultBacklog(OptionalLong limit) {
        if (limit.isEmpty()) {
            return MAX_DEFAULT_BACKLOG;
        }
        return Math.max(MIN_BACKLOG, Math.min(MAX_DEFAULT_BACKLOG, limit.getAsLong() / FRACTION));
    }

    /** The default backlog limit of this process. */
    public static long defaultBacklog() {
        return defaultBacklog(of(Path.of("/")));
    }

    /**
     * The memory limit of the process whose {@code /proc/self} and cgroup
     * file systems are found under {@code root} ({@code /} for this one).
     */
    public static OptionalLong of(Path root) {
        try {
            List<String> cgroups = List.of(text(root.resolve("proc/self/cgroup")).split("\n"));
            List<String> mounts = List.of(text(root.resolve("proc/self/mountinfo")).split("\n"));
            long limit = Long.MAX_VALUE;
            for (String line : cgroups) {
                String[] f = line.split(":", 3);
                if (f.length != 3) {
                    continue;
                }
                if (f[0].equals("0") && f[1].isEmpty()) {
                    limit = Math.min(limit, smallest(root, mounts, "cgroup2", null, f[2], "memory.max"));
                } else if (List.of(f[1].split(",")).contains("memory")) {
                    limit = Math.min(limit, smallest(root, mounts, "cgroup", "memory", f[2],
                            "memory.limit_in_bytes"));
                }
            }
            return limit == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(limit);
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * The smallest limit in {@code file} from the cgroup at {@code path} up to the
     * root of its hierarchy, mounted as {@code fsType} (with {@code option} among
     * its super options, for v1).
     */
    private static long smallest(Path root, List<String> mounts, String fsType, String option, String path,
                                 String file) {
        long limit = Long.MAX_VALUE;
        for (String mount : mounts) {
            // id parent major:minor root mount-point options [optional...] - fstype source super-options
            int dash = mount.indexOf(" - ");
            // Only the hierarchy's own mounts are split into fields: a first capture pays
            // for this parse, and splitting every line of a long mountinfo was most of it.
            int type = dash + 3;
            if (dash < 0 || !mount.startsWith(fsType, type) || mount.length() <= type + fsType.length()
                    || mount.charAt(type + fsType.length()) != ' ') {
                continue;
            }
            String[] head = mount.substring(0, dash).split(" ");
            String[] tail = mount.substring(dash + 3).split(" ");
            if (head.length < 5 || tail.length < 1 || !tail[0].equals(fsType)) {
                continue;
            }
            if (option != null && (tail.length < 3 || !List.of(tail[2].split(",")).contains(option))) {
                continue;
            }
            Path mountPoint = under(root, unescape(head[4]));
            String mountRoot = unescape(head[3]);
            // The cgroup's path is relative to the hierarchy's root; the mount shows
            // the part below mountRoot (a container sees its own cgroup as "/").
            String relative;
            if (mountRoot.equals("/")) {
                relative = path;
            } else if (path.equals(mountRoot) || path.startsWith(mountRoot + "/")) {
                relative = path.substring(mountRoot.length());
            } else {
                relative = "/";
            }
            Path dir = under(mountPoint, relative);
            while (dir.startsWith(mountPoint)) {
                limit = Math.min(limit, read(dir.resolve(file)));
                if (dir.equals(mountPoint)) {
                    break;
                }
                dir = dir.getParent();
            }
        }
        return limit;
    }

    private static long read(Path file) {
        // Most levels have no such file (the root cgroup never has): asked first,
        // since a FileNotFoundException is a stack trace filled in for nothing.
        if (!new java.io.File(file.toString()).isFile()) {
            return Long.MAX_VALUE;
        }
        try {
            String value = text(file).trim();
            if (value.equals("max")) {
                return Long.MAX_VALUE;
            }
            long bytes = Long.parseLong(value);
            return bytes <= 0 || bytes >= V1_UNLIMITED ? Long.MAX_VALUE : bytes;
        } catch (IOException | RuntimeException e) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * A small file's text, read with {@code java.io}: every start of a redirection
     * pays for this read once per JVM, and {@code java.nio.file.Files} would load
     * its channels and decoders onto that path (7 ms of a first capture here).
     */
    private static String text(Path file) throws IOException {
        try (FileInputStream in = new FileInputStream(file.toString())) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Path under(Path base, String absolute) {
        String relative = absolute.startsWith("/") ? absolute.substring(1) : absolute;
        return relative.isEmpty() ? base : base.resolve(relative).normalize();
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    private static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder sb = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()) {
                try {
                    sb.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                    i += 3;
                    continue;
                } catch (NumberFormatException e) {
                    // not an escape after all
                }
            }
            sb.append(c);
        }
        return sb.toString();
    }
}
