package dev.fdcapture.junit.internal;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Decoding and ordering of what the two readers deliver. */
class RecordingTest {

    private static void add(Recording r, boolean err, byte[] b, int from, int to) {
        r.append(err, b, from, to - from);
    }

    @Test
    void a_character_cut_between_deliveries_with_the_other_stream_in_between_still_decodes() {
        Recording r = new Recording();
        byte[] out = "a€b".getBytes(StandardCharsets.UTF_8);
        byte[] err = "𝄞!".getBytes(StandardCharsets.UTF_8);
        add(r, false, out, 0, 2); // 'a' and the first byte of €
        add(r, true, err, 0, 3); // three of 𝄞's four bytes
        add(r, false, out, 2, out.length);
        add(r, true, err, 3, err.length);
        r.finish();
        assertEquals("a€b", r.out());
        assertEquals("𝄞!", r.err());
        assertEquals("a€b𝄞!", r.all());
    }

    @Test
    void a_character_still_cut_off_at_the_end_becomes_one_replacement_character() {
        Recording r = new Recording();
        byte[] b = "x€".getBytes(StandardCharsets.UTF_8);
        add(r, false, b, 0, 2);
        assertEquals("x", r.out(), "an incomplete character is not shown before it is complete");
        r.finish();
        assertEquals("x\uFFFD", r.out());
    }

    @Test
    void the_echo_replays_each_stream_to_its_own_target_in_arrival_order() {
        Recording r = new Recording();
        byte[] one = "one\n".getBytes(StandardCharsets.UTF_8);
        byte[] two = "two\n".getBytes(StandardCharsets.UTF_8);
        byte[] three = "three\n".getBytes(StandardCharsets.UTF_8);
        add(r, false, one, 0, one.length);
        add(r, true, two, 0, two.length);
        add(r, false, three, 0, three.length);
        r.finish();
        ByteArrayOutputStream both = new ByteArrayOutputStream();
        StringBuilder order = new StringBuilder();
        PrintStream out = new PrintStream(both, true, StandardCharsets.UTF_8) {
            @Override
            public void print(String s) {
                order.append("out:").append(s);
            }
        };
        PrintStream err = new PrintStream(both, true, StandardCharsets.UTF_8) {
            @Override
            public void print(String s) {
                order.append("err:").append(s);
            }
        };
        r.replay(out, err);
        assertEquals("out:one\nerr:two\nout:three\n", order.toString());
        assertEquals("one\ntwo\nthree\n", r.all());
    }
}
