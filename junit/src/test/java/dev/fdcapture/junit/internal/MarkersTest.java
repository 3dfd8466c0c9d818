package dev.fdcapture.junit.internal;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The run-wide mode's sync markers come out of the stream wherever it is cut; everything else stays. */
class MarkersTest {

    @Test
    void markers_are_found_and_removed_wherever_deliveries_cut_the_stream() throws Exception {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.write("line one\n\u0000 a NUL that is output\n".getBytes(StandardCharsets.UTF_8));
        stream.write(Markers.marker(7));
        stream.write("between\n".getBytes(StandardCharsets.UTF_8));
        stream.write(Markers.marker(12345678901L));
        stream.write("\u0000\u0001fdcapture-sync-x not a marker\n".getBytes(StandardCharsets.UTF_8));
        byte[] all = stream.toByteArray();
        String expected = "line one\n\u0000 a NUL that is output\nbetween\n\u0000\u0001fdcapture-sync-x not a marker\n";
        for (int cut = 0; cut <= all.length; cut++) {
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            List<Long> seen = new ArrayList<>();
            Markers m = new Markers(text::write, seen::add);
            m.write(all, 0, cut);
            m.write(all, cut, all.length - cut);
            m.finish();
            assertEquals(expected, text.toString(StandardCharsets.UTF_8), "cut at " + cut);
            assertEquals(List.of(7L, 12345678901L), seen, "cut at " + cut);
        }
    }

    @Test
    void the_start_of_a_marker_cut_off_by_the_end_of_the_stream_is_output() throws Exception {
        byte[] m = Markers.marker(3);
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        List<Long> seen = new ArrayList<>();
        Markers markers = new Markers(text::write, seen::add);
        markers.write(m, 0, m.length - 1);
        markers.finish();
        assertEquals(m.length - 1, text.size());
        assertEquals(List.of(), seen);
    }
}
