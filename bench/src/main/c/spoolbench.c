// The transport limit of fdcapture's spool on this box, in C: a writer appends to an
// O_APPEND reopen of the spool's file; a reader thread preads behind it in 256 KiB reads
// and punches a hole every 8 MiB it consumed. Compare with pipebench.c on the same box.
//
// Derived from ../shared/bench/memfdbench.c (same transport, same reader), which has
// w64k and write80 with a reader that spins on sched_yield. What this one adds:
//   - the modes of pipebench.c that the harness needs: w64k, printf80 (stdio on fd 1),
//     write80 and lat (10 000 80-byte lines 100 us apart, stamped before write(), timed
//     at the reader's pread), with the same output lines as pipebench.c;
//   - WAKE=inotify (the default), the reader fdcapture has: it sleeps in read(inotify) on
//     IN_MODIFY of its own watch of /proc/self/fd/N; woken, it reads at once; IN_MODIFY is
//     switched off when a second read in a row finds data (the writer is busy) and on again,
//     then one more look, before it sleeps. LINGER_US=N: a reader that switched IN_MODIFY
//     off sleeps N us (nanosleep, plus the timer slack) once it has caught up, and looks
//     again before it switches it on. WAKE=spin keeps memfdbench's reader (pread,
//     sched_yield when caught up, never sleeps);
//   - in lat mode the reader only takes whole 80-byte lines.
// Like memfdbench, the reader knows the total and stops there: no end-of-stream protocol.
//
// Build: gcc -O2 -pthread -o spoolbench spoolbench.c
// Usage: ./spoolbench w64k|printf80|write80|lat TOTAL_MB        (TOTAL_MB ignored for lat)
//        ./spoolbench stdout80 TOTAL_MB: only the printf80 writer, onto whatever fd 1 is (no spool,
//        no reader, no report): a C writer for fdcapture to capture from a child process
// Env BACKING=memfd (default) | tmpfile[:DIR] (an O_TMPFILE file in DIR, default /tmp)
// Env WAKE=inotify (default) | spin; LINGER_US=N (inotify: after a busy spell, wait N us and look
//     again before sleeping; 0)
// Output (one line to stderr): as pipebench.c, "GiB/s=X" or "p50_us=X p99_us=Y".
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define NLAT 10000
#define LINE 80
#define MASK (IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB)
#define BUSY_MASK (IN_CLOSE_WRITE | IN_ATTRIB)

static int spoolfd, wfd, inotify_fd = -1, lat_mode;
static char path[64];
static long long total, linger_ns;
static long long lat_ns[NLAT];
static int nlat;

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void die(const char *what) { perror(what); exit(2); }

static void arm(int on) {
    if (inotify_add_watch(inotify_fd, path, on ? MASK : BUSY_MASK) < 0) die("inotify_add_watch");
}

static void *reader(void *arg) {
    (void)arg;
    static char buf[256 * 1024];
    static char events[4096];
    long long off = 0, freed = 0;
    int armed = 1, busy = 0, lingered = 0;
    while (off < total) {
        ssize_t n = pread(spoolfd, buf, sizeof buf, off);
        if (n < 0) die("pread");
        if (lat_mode) n -= n % LINE; // a write seen half-way: take it next time
        if (n > 0) {
            if (lat_mode) {
                long long t = now_ns();
                for (ssize_t at = 0; at < n && nlat < NLAT; at += LINE) lat_ns[nlat++] = t - atoll(buf + at);
            }
            off += n;
            if (off - freed >= (8 << 20)) {
                long long to = off & ~4095LL;
                if (fallocate(spoolfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, freed, to - freed)) die("fallocate");
                freed = to;
            }
            lingered = 0;
            if (++busy == 2 && armed && inotify_fd >= 0) {
                // Data kept coming while we delivered: busy until caught up, writers need not
                // raise events meanwhile.
                arm(0);
                armed = 0;
            }
            continue;
        }
        busy = 0;
        if (inotify_fd < 0) {
            sched_yield();
            continue;
        }
        if (linger_ns > 0 && !armed && !lingered) {
            // Caught up with a busy writer: give it a moment before paying for events
            // and a wake-up again.
            struct timespec d = {0, linger_ns};
            nanosleep(&d, NULL);
            lingered = 1;
            continue;
        }
        if (!armed) {
            // About to sleep: events on again, then one more look (a write since the last
            // pread raised none).
            arm(1);
            armed = 1;
            continue;
        }
        ssize_t e = read(inotify_fd, events, sizeof events);
        if (e < 0 && errno != EINTR) die("read(inotify)");
        lingered = 0;
    }
    return NULL;
}

static int cmpll(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: spoolbench w64k|printf80|write80|lat TOTAL_MB\n"); return 2; }
    const char *mode = argv[1];
    if (strcmp(mode, "stdout80") == 0) {
        long long lines = (atoll(argv[2]) << 20) / LINE;
        for (long long i = 0; i < lines; i++)
            printf("line %010lld abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.\n", i);
        return fflush(stdout) == 0 ? 0 : 1;
    }
    lat_mode = strcmp(mode, "lat") == 0;
    size_t chunk = strcmp(mode, "w64k") == 0 ? 65536 : LINE;
    total = lat_mode ? (long long)NLAT * LINE : atoll(argv[2]) << 20;
    total -= total % chunk;

    const char *backing = getenv("BACKING");
    if (!backing || !*backing) backing = "memfd";
    if (strncmp(backing, "tmpfile", 7) == 0) {
        const char *dir = backing[7] == ':' ? backing + 8 : "/tmp";
        spoolfd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (spoolfd < 0) die("open O_TMPFILE");
    } else if (strcmp(backing, "memfd") == 0) {
        spoolfd = memfd_create("spoolbench", MFD_CLOEXEC);
        if (spoolfd < 0) die("memfd_create");
    } else {
        fprintf(stderr, "BACKING is memfd or tmpfile[:DIR]: %s\n", backing);
        return 2;
    }
    snprintf(path, sizeof path, "/proc/self/fd/%d", spoolfd);
    wfd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (wfd < 0) die("open O_APPEND");

    if (getenv("LINGER_US")) linger_ns = atoll(getenv("LINGER_US")) * 1000;
    const char *wake = getenv("WAKE");
    if (!wake || !*wake) wake = "inotify";
    if (strcmp(wake, "inotify") == 0) {
        inotify_fd = inotify_init1(IN_CLOEXEC);
        if (inotify_fd < 0) die("inotify_init1");
        arm(1);
    } else if (strcmp(wake, "spin") != 0) {
        fprintf(stderr, "WAKE is inotify or spin: %s\n", wake);
        return 2;
    }

    FILE *report = fdopen(dup(2), "w");
    pthread_t r;
    long long t0 = now_ns();
    pthread_create(&r, NULL, reader, NULL);
    if (strcmp(mode, "w64k") == 0 || strcmp(mode, "write80") == 0) {
        char *data = malloc(LINE + 16 > chunk ? LINE + 16 : chunk);
        memset(data, 'x', chunk);
        if (chunk == LINE) data[LINE - 1] = '\n';
        for (long long w = 0; w < total;) {
            if (chunk == LINE)
                snprintf(data, LINE + 16, "line %010lld abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.\n", w / LINE);
            ssize_t n = write(wfd, data, chunk);
            if (n <= 0) die("write");
            w += n;
        }
    } else if (strcmp(mode, "printf80") == 0) {
        // As pipebench: the spool is fd 1, stdio's default (full) buffering.
        if (dup2(wfd, 1) < 0) die("dup2");
        for (long long i = 0; i < total / LINE; i++)
            printf("line %010lld abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.\n", i);
        fflush(stdout);
    } else if (lat_mode) {
        char line[96];
        for (int i = 0; i < NLAT; i++) {
            struct timespec d = {0, 100000};
            nanosleep(&d, NULL);
            snprintf(line, sizeof line, "%019lld %059d\n", now_ns(), i);
            if (write(wfd, line, LINE) != LINE) die("write");
        }
    } else {
        fprintf(stderr, "bad mode %s\n", mode);
        return 2;
    }
    pthread_join(r, NULL);
    double secs = (now_ns() - t0) / 1e9;
    if (lat_mode) {
        qsort(lat_ns, nlat, sizeof lat_ns[0], cmpll);
        fprintf(report, "%s %s %s lines=%d p50_us=%.1f p99_us=%.1f\n", mode, backing, wake, nlat,
                lat_ns[nlat / 2] / 1e3, lat_ns[nlat * 99 / 100] / 1e3);
    } else {
        fprintf(report, "%s %s %s bytes=%lld secs=%.3f GiB/s=%.3f\n", mode, backing, wake, total, secs,
                total / secs / (1024.0 * 1024 * 1024));
    }
    fclose(report);
    return 0;
}
