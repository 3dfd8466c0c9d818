package dev.fdcapture;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sink.filter: a stream that decides, byte by byte, what is kept and what goes to
 * the original fd. An outer capture stands for the terminal.
 */
class FilterSinkTest extends FdLevelTest {

    /** Lets lines starting with "pass:" through to the original, keeps the others. */
    private static final class LineFilter extends OutputStream {
        private final OutputStream original;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private int closes;

        LineFilter(OutputStream original) {
            this.original = original;
        }

        @Override
        public void write(int b) throws IOException {
            line.write(b);
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                line.reset();
                if (new String(bytes, StandardCharsets.UTF_8).startsWith("pass:")) {
                    original.write(bytes, 0, bytes.length);
                } else {
                    kept.write(bytes, 0, bytes.length);
                }
            }
        }

        @Override
        public void close() {
            closes++;
        }
    }

    @Test
    void a_filter_keeps_what_it_keeps_and_passes_the_rest_to_the_original_fd_exactly_once() {
        AtomicReference<LineFilter> made = new AtomicReference<>();
        Sink.Buffer terminal = Sink.buffer();
        try (Redirection outer = NativeOutput.redirect().stdout(terminal).start()) {
            try (Redirection r = NativeOutput.redirect().stdout(Sink.filter(original -> {
                LineFilter f = new LineFilter(original);
                made.set(f);
                return f;
            })).start()) {
                NativeWriters.write(1, "keep: one\npass: two\n");
                NativeWriters.write(1, "keep: three\n");
                NativeWriters.write(1, "pass: four\n");
            }
        }
        assertEquals("keep: one\nkeep: three\n", made.get().kept.toString(StandardCharsets.UTF_8));
        assertEquals("pass: two\npass: four\n", terminal.text());
        assertEquals(1, made.get().closes, "the filter's stream is closed once, at the end");
    }

    @Test
    void the_original_stream_works_from_another_thread_and_refuses_writes_once_the_redirection_ended()
            throws Exception {
        AtomicReference<OutputStream> original = new AtomicReference<>();
        Sink.Buffer terminal = Sink.buffer();
        try (Redirection outer = NativeOutput.redirect().stdout(terminal).start()) {
            try (Redirection r = NativeOutput.redirect().stdout(Sink.filter(o -> {
                original.set(o);
                return OutputStream.nullOutputStream();
            })).start()) {
                Thread t = new Thread(() -> {
                    try {
                        original.get().write("from another thread\n".getBytes(StandardCharsets.UTF_8));
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                });
                t.start();
                t.join();
                NativeWriters.write(1, "dropped by the filter\n");
            }
            IOException late = assertThrows(IOException.class, () -> original.get().write('x'));
            assertTrue(late.getMessage().contains("ended"), late.getMessage());
        }
        assertEquals("from another thread\n", terminal.text());
    }

    @Test
    void a_filter_that_cannot_be_made_fails_start_and_leaves_the_fds_alone() {
        String before = Fds.identity(1);
        IllegalStateException boom = new IllegalStateException("no filter today");
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> NativeOutput.redirect().stdout(Sink.filter(o -> {
                    throw boom;
                })).start());
        assertSame(boom, thrown);
        assertEquals(before, Fds.identity(1));
    }

    @Test
    void a_filter_in_a_tee_sees_the_same_bytes_as_the_other_sinks() {
        Sink.Buffer copy = Sink.buffer();
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        AtomicInteger made = new AtomicInteger();
        try (Redirection r = NativeOutput.redirect().stdout(Sink.tee(copy, Sink.filter(o -> {
            made.incrementAndGet();
            return seen;
        }))).start()) {
            NativeWriters.write(1, "both\n");
        }
        assertEquals("both\n", copy.text());
        assertEquals("both\n", seen.toString(StandardCharsets.UTF_8));
        assertEquals(1, made.get());
    }
}
