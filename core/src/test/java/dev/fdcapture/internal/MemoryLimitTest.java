package dev.fdcapture.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 7 point 11: the default backlog limit respects the memory cgroup. The
 * reading of the cgroup files runs on file trees laid out as Linux lays out
 * {@code /proc/self} and {@code /sys/fs/cgroup} (v2, v1, a container's view,
 * a hybrid host), and once more on this machine's own.
 */
class MemoryLimitTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path root;

    private void file(String path, String content) throws IOException {
        Path p = root.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    @Test
    void the_default_is_a_sixteenth_of_the_limit_per_fd_between_1_MiB_and_256_MiB() {
        assertEquals(256 * MIB, MemoryLimit.defaultBacklog(OptionalLong.empty()), "no limit");
        assertEquals(32 * MIB, MemoryLimit.defaultBacklog(OptionalLong.of(512 * MIB)), "a 512 MiB container");
        assertEquals(256 * MIB, MemoryLimit.defaultBacklog(OptionalLong.of(8192 * MIB)), "4 GiB and more: the cap");
        assertEquals(128 * MIB, MemoryLimit.defaultBacklog(OptionalLong.of(2048 * MIB)));
        assertEquals(MIB, MemoryLimit.defaultBacklog(OptionalLong.of(8 * MIB)), "never below the minimum");
        assertEquals(MIB, MemoryLimit.defaultBacklog(OptionalLong.of(1)), "never below the minimum");
    }

    @Test
    void cgroup_v2_memory_max_of_the_process_cgroup_or_a_smaller_ancestor_is_the_limit() throws IOException {
        file("proc/self/cgroup", "0::/user.slice/app.service\n");
        file("proc/self/mountinfo", "25 30 0:23 / /proc rw - proc proc rw\n"
                + "30 1 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n");
        file("sys/fs/cgroup/user.slice/app.service/memory.max", "max\n");
        file("sys/fs/cgroup/user.slice/memory.max", "536870912\n");
        assertEquals(OptionalLong.of(512 * MIB), MemoryLimit.of(root));
        file("sys/fs/cgroup/user.slice/app.service/memory.max", "268435456\n");
        assertEquals(OptionalLong.of(256 * MIB), MemoryLimit.of(root));
        assertEquals(16 * MIB, MemoryLimit.defaultBacklog(MemoryLimit.of(root)));
    }

    @Test
    void cgroup_v2_without_any_limit_keeps_the_256_MiB_default() throws IOException {
        file("proc/self/cgroup", "0::/\n");
        file("proc/self/mountinfo", "30 1 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
        file("sys/fs/cgroup/memory.max", "max\n");
        assertEquals(OptionalLong.empty(), MemoryLimit.of(root));
        assertEquals(256 * MIB, MemoryLimit.defaultBacklog(MemoryLimit.of(root)));
    }

    @Test
    void a_container_sees_its_own_cgroup_as_the_mount_root() throws IOException {
        // Docker with a cgroup namespace: the process is at "/" of a mount whose root is the container's cgroup.
        file("proc/self/cgroup", "0::/\n");
        file("proc/self/mountinfo",
                "1200 1100 0:26 /docker/abc /sys/fs/cgroup ro,nosuid - cgroup2 cgroup2 rw\n");
        file("sys/fs/cgroup/memory.max", "536870912\n");
        assertEquals(OptionalLong.of(512 * MIB), MemoryLimit.of(root));
        // Without a cgroup namespace the path still names the container's cgroup below the mount root.
        file("proc/self/cgroup", "0::/docker/abc\n");
        assertEquals(OptionalLong.of(512 * MIB), MemoryLimit.of(root));
    }

    @Test
    void cgroup_v1_memory_limit_in_bytes_counts_and_its_huge_unlimited_value_does_not() throws IOException {
        file("proc/self/cgroup", "12:pids:/\n4:memory:/process_api/job\n1:name=systemd:/\n0::/\n");
        file("proc/self/mountinfo", "31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n"
                + "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
                + "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
                + "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n");
        file("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
        file("sys/fs/cgroup/memory/process_api/memory.limit_in_bytes", "9223372036854771712\n");
        file("sys/fs/cgroup/memory/process_api/job/memory.limit_in_bytes", "9223372036854771712\n");
        // A hybrid host: the v2 hierarchy has no memory controller, so no memory.max at all.
        Files.createDirectories(root.resolve("sys/fs/cgroup/unified"));
        assertEquals(OptionalLong.empty(), MemoryLimit.of(root));
        file("sys/fs/cgroup/memory/process_api/job/memory.limit_in_bytes", "1073741824\n");
        assertEquals(OptionalLong.of(1024 * MIB), MemoryLimit.of(root));
        assertEquals(64 * MIB, MemoryLimit.defaultBacklog(MemoryLimit.of(root)));
    }

    @Test
    void unreadable_or_missing_cgroup_files_mean_no_limit_never_a_failure() throws IOException {
        assertEquals(OptionalLong.empty(), MemoryLimit.of(root), "no /proc at all");
        file("proc/self/cgroup", "garbage\n0::/gone\n");
        file("proc/self/mountinfo", "not a mountinfo line\n30 1 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
        file("sys/fs/cgroup/memory.max", "not a number\n");
        assertEquals(OptionalLong.empty(), MemoryLimit.of(root));
    }

    @Test
    void this_machine_s_default_follows_its_own_cgroup_files() throws IOException {
        OptionalLong real = MemoryLimit.of(Path.of("/"));
        assertEquals(MemoryLimit.defaultBacklog(real), MemoryLimit.defaultBacklog());
        // Read independently: the limit of this process's cgroup, as the files say.
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            String[] f = line.split(":", 3);
            Path own = null;
            if (f[0].equals("0") && f[1].isEmpty()) {
                own = Path.of("/sys/fs/cgroup" + f[2], "memory.max");
            } else if (f[1].equals("memory")) {
                own = Path.of("/sys/fs/cgroup/memory" + f[2], "memory.limit_in_bytes");
            }
            if (own != null && Files.isReadable(own)) {
                String v = Files.readString(own).trim();
                if (!v.equals("max") && Long.parseLong(v) < (1L << 62)) {
                    long limit = Long.parseLong(v);
                    org.junit.jupiter.api.Assertions.assertTrue(real.isPresent() && real.getAsLong() <= limit,
                            own + " says " + v + ", read as " + real);
                }
            }
        }
    }
}
