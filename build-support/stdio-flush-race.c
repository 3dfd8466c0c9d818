/*
 * glibc's dprintf against fflush(NULL) on another thread, no fdcapture involved:
 * dprintf formats into a temporary FILE that has no lock (_IO_USER_LOCK) and is
 * linked into the list fflush(NULL) walks, so the flush can write the same
 * buffer as dprintf itself, or a half-formatted piece of it.
 *
 *   gcc -O2 -pthread -o /tmp/stdio-flush-race build-support/stdio-flush-race.c
 *   /tmp/stdio-flush-race 200000 1 2>/tmp/out; wc -l /tmp/out; sort /tmp/out | uniq -d | wc -l
 *
 * Second argument 0: no flushing thread (200000 lines, all distinct); 1: a thread
 * calling fflush(NULL) in a loop (glibc 2.36 here, two runs: 206982 and 208561
 * lines, 31541 and 18915 of them garbled, like "direct line direct line 3651").
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

static atomic_int done;

static void *flusher(void *unused) {
    (void) unused;
    while (!done) {
        fflush(NULL);
    }
    return NULL;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 100000;
    int flush = argc > 2 ? atoi(argv[2]) : 1;
    pthread_t t;
    if (flush) {
        pthread_create(&t, NULL, flusher, NULL);
    }
    for (int i = 0; i < n; i++) {
        dprintf(2, "direct line %d\n", i);
    }
    done = 1;
    if (flush) {
        pthread_join(t, NULL);
    }
    return 0;
}
