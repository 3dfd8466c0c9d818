package dev.fdcapture;

import dev.fdcapture.internal.FdTable;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Redirections of one fd nested, closed in any order, from many threads. */
class NestingTest extends FdLevelTest {

    @Test
    void closing_the_outer_first_sends_output_to_the_inner_then_back_to_the_original() {
        String original = Fds.identity(1);
        Sink.Buffer outer = Sink.buffer();
        Sink.Buffer inner = Sink.buffer();
        Redirection a = NativeOutput.redirect().stdout(outer).start();
        NativeWriters.write(1, "to outer\n");
        Redirection b = NativeOutput.redirect().stdout(inner).start();
        NativeWriters.write(1, "to inner\n");
        String innerTarget = Fds.identity(1);
        a.close();
        assertEquals(innerTarget, Fds.identity(1), "closing the outer one must not move fd 1 away from the inner");
        NativeWriters.write(1, "still inner\n");
        b.close();
        assertEquals(original, Fds.identity(1));
        assertEquals("to outer\n", outer.text());
        assertEquals("to inner\nstill inner\n", inner.text());
    }

    @Test
    void echo_of_an_inner_redirection_follows_the_outer_when_the_outer_closes_first() throws Exception {
        // "original" of the inner one is the outer capture; once that closes it
        // is whatever the outer one restored: here a third capture around both.
        Sink.Buffer around = Sink.buffer();
        Sink.Buffer outer = Sink.buffer();
        try (Redirection z = NativeOutput.redirect().stdout(around).start()) {
            Redirection a = NativeOutput.redirect().stdout(outer).start();
            CountDownLatch echoed = new CountDownLatch(1);
            Redirection b = NativeOutput.redirect().stdout(Sink.tee(Sink.discard(), Sink.original(),
                    Sink.lines(l -> echoed.countDown()))).start();
            NativeWriters.write(1, "one\n");
            // The tee runs in order: once the line sink has it, the echo was written.
            echoed.await();
            a.close();
            NativeWriters.write(1, "two\n");
            b.close();
        }
        assertEquals("one\n", outer.text());
        assertEquals("two\n", around.text());
    }

    @RepeatedTest(6)
    void three_nested_redirections_closed_in_every_order_restore_each_step(
            org.junit.jupiter.api.RepetitionInfo info) {
        int[][] orders = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
        int[] order = orders[info.getCurrentRepetition() - 1];
        String original = Fds.identity(1);
        List<Sink.Buffer> buffers = new ArrayList<>();
        List<Redirection> open = new ArrayList<>();
        List<String> targets = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Sink.Buffer b = Sink.buffer();
            buffers.add(b);
            open.add(NativeOutput.redirect().stdout(b).stderr(i == 1 ? Sink.intoStdout() : Sink.original()).start());
            targets.add(Fds.identity(1));
        }
        boolean[] closed = new boolean[3];
        for (int step = 0; step < 3; step++) {
            int victim = order[step];
            open.get(victim).close();
            closed[victim] = true;
            int top = -1;
            for (int i = 2; i >= 0; i--) {
                if (!closed[i]) {
                    top = i;
                    break;
                }
            }
            assertEquals(top < 0 ? original : targets.get(top), Fds.identity(1), "after closing " + victim);
            NativeWriters.write(1, "after " + victim + "\n");
        }
        for (int i = 0; i < 3; i++) {
            // Each buffer got exactly the writes made while it was the top one.
            StringBuilder expected = new StringBuilder();
            boolean[] c = new boolean[3];
            for (int step = 0; step < 3; step++) {
                c[order[step]] = true;
                int top = -1;
                for (int j = 2; j >= 0; j--) {
                    if (!c[j]) {
                        top = j;
                        break;
                    }
                }
                if (top == i) {
                    expected.append("after ").append(order[step]).append('\n');
                }
            }
            assertEquals(expected.toString(), buffers.get(i).text(), "buffer " + i);
        }
        assertEquals(0, FdTable.depth(1));
    }

    @Test
    void starts_and_closes_from_many_threads_at_once_leave_the_fds_as_they_were() throws Exception {
        int threads = 8;
        int rounds = 150;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        List<Redirection> held = Collections.synchronizedList(new ArrayList<>());
        try {
            for (int t = 0; t < threads; t++) {
                int id = t;
                results.add(pool.submit(() -> {
                    go.await();
                    int lines = 0;
                    Random random = new Random(id);
                    for (int i = 0; i < rounds; i++) {
                        List<String> got = Collections.synchronizedList(new ArrayList<>());
                        RedirectBuilder builder = switch (random.nextInt(3)) {
                            case 0 -> NativeOutput.redirect().stdout(Sink.lines(got::add));
                            case 1 -> NativeOutput.redirect().stderr(Sink.lines(got::add));
                            default -> NativeOutput.redirect().stdout(Sink.lines(got::add)).stderr(Sink.intoStdout());
                        };
                        Redirection r = builder.start();
                        held.add(r);
                        // Close someone else's (or our own) redirection, out of order.
                        Redirection victim;
                        synchronized (held) {
                            victim = held.remove(random.nextInt(held.size()));
                        }
                        victim.close();
                        lines += got.size();
                    }
                    return lines;
                }));
            }
            go.countDown();
            for (Future<Integer> f : results) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
            synchronized (held) {
                for (Redirection r : held) {
                    r.close();
                }
            }
        }
        assertEquals(0, FdTable.depth(1));
        assertEquals(0, FdTable.depth(2));
    }

    @Test
    void close_is_idempotent_and_safe_from_another_thread() throws Exception {
        Sink.Buffer out = Sink.buffer();
        Redirection r = NativeOutput.redirect().stdout(out).start();
        NativeWriters.write(1, "x\n");
        Thread other = new Thread(r::close);
        other.start();
        other.join();
        r.close();
        r.close();
        assertEquals("x\n", out.text());
        assertEquals(false, r.isOpen());
    }
}
