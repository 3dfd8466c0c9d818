package dev.fdcapture.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** No native code: bytes are fed straight in, cut at every awkward place. */
class LineSplitterTest {
    private final List<String> lines = new ArrayList<>();

    private LineSplitter splitter(Charset cs, int max) {
        return new LineSplitter(cs, max, lines::add);
    }

    /** Feeds {@code bytes} in pieces of {@code step} bytes, like reads of that size. */
    private static void feed(LineSplitter s, byte[] bytes, int step) {
        for (int i = 0; i < bytes.length; i += step) {
            s.accept(bytes, i, Math.min(step, bytes.length - i));
        }
    }

    @ParameterizedTest(name = "in reads of {0} bytes")
    @ValueSource(ints = {1, 2, 3, 5, 7, 64, 100_000})
    void lf_and_crlf_end_lines_and_blank_lines_are_kept_whatever_the_read_size(int step) {
        LineSplitter s = splitter(StandardCharsets.UTF_8, 1 << 20);
        feed(s, "one\r\n\ntwo\n\r\nthree\rstill three\nlast".getBytes(StandardCharsets.UTF_8), step);
        s.finish();
        assertEquals(List.of("one", "", "two", "", "three\rstill three", "last"), lines);
    }

    @ParameterizedTest(name = "in reads of {0} bytes")
    @ValueSource(ints = {1, 2, 3, 4, 5})
    void a_multi_byte_character_split_across_reads_decodes_whole(int step) {
        String text = "a€b😀c\nü\n";
        LineSplitter s = splitter(StandardCharsets.UTF_8, 1 << 20);
        feed(s, text.getBytes(StandardCharsets.UTF_8), step);
        s.finish();
        assertEquals(List.of("a€b😀c", "ü"), lines);
    }

    @Test
    void malformed_input_becomes_the_replacement_character() {
        LineSplitter s = splitter(StandardCharsets.UTF_8, 1 << 20);
        s.accept(new byte[] {'x', (byte) 0xff, 'y', '\n'}, 0, 4);
        assertEquals(List.of("x\uFFFDy"), lines);
    }

    @Test
    void the_last_partial_line_is_delivered_at_finish_and_only_once() {
        LineSplitter s = splitter(StandardCharsets.UTF_8, 1 << 20);
        s.accept("done\npartial".getBytes(StandardCharsets.UTF_8), 0, 12);
        assertEquals(List.of("done"), lines);
        s.finish();
        s.finish();
        assertEquals(List.of("done", "partial"), lines);
    }

    @ParameterizedTest(name = "in reads of {0} bytes")
    @ValueSource(ints = {1, 3, 10, 1000})
    void a_line_longer_than_the_limit_comes_in_pieces_cut_between_characters(int step) {
        // 10 three-byte characters: 30 bytes, limit 8 bytes.
        String line = "€".repeat(10);
        LineSplitter s = splitter(StandardCharsets.UTF_8, 8);
        feed(s, (line + "\nnext\n").getBytes(StandardCharsets.UTF_8), step);
        s.finish();
        assertEquals(line + "next", String.join("", lines));
        assertEquals("next", lines.get(lines.size() - 1));
        for (String piece : lines) {
            assertTrue(piece.getBytes(StandardCharsets.UTF_8).length <= 8, piece);
            assertFalse(piece.contains("\uFFFD"), piece);
        }
    }

    @Test
    void a_crlf_split_by_the_length_limit_still_ends_the_line_cleanly() {
        LineSplitter s = splitter(StandardCharsets.US_ASCII, 4);
        feed(s, "abc\r\nxy\n".getBytes(StandardCharsets.US_ASCII), 1);
        s.finish();
        assertEquals(List.of("abc", "xy"), lines);
    }

    @ParameterizedTest(name = "in reads of {0} bytes")
    @ValueSource(ints = {1, 2, 4, 100})
    void a_line_exactly_as_long_as_the_limit_is_one_line(int step) {
        LineSplitter s = splitter(StandardCharsets.US_ASCII, 4);
        feed(s, "abcd\nabcd\r\nabcde\n\n".getBytes(StandardCharsets.US_ASCII), step);
        s.finish();
        assertEquals(List.of("abcd", "abcd", "abcd", "e", ""), lines);
    }

    @Test
    void memory_stays_bounded_for_an_endless_line() {
        LineSplitter s = splitter(StandardCharsets.US_ASCII, 1024);
        byte[] block = new byte[4096];
        java.util.Arrays.fill(block, (byte) 'x');
        long total = 0;
        for (int i = 0; i < 1000; i++) {
            s.accept(block, 0, block.length);
            total += block.length;
        }
        s.finish();
        assertEquals(total, lines.stream().mapToLong(String::length).sum());
        assertTrue(lines.stream().allMatch(l -> l.length() <= 1024));
    }

    @Test
    void the_eight_bytes_at_a_time_newline_scan_agrees_with_a_plain_one() {
        java.util.Random random = new java.util.Random(42);
        for (int round = 0; round < 20_000; round++) {
            byte[] bytes = new byte[random.nextInt(40)];
            for (int i = 0; i < bytes.length; i++) {
                // Mostly bytes next to '\n' and high bytes, where a borrow could fool the scan.
                bytes[i] = (byte) switch (random.nextInt(6)) {
                    case 0 -> '\n';
                    case 1 -> 0x0B;
                    case 2 -> 0x09;
                    case 3 -> 0x8A;
                    case 4 -> 0x00;
                    default -> random.nextInt(256);
                };
            }
            int from = bytes.length == 0 ? 0 : random.nextInt(bytes.length + 1);
            int expected = -1;
            for (int i = from; i < bytes.length; i++) {
                if (bytes[i] == '\n') {
                    expected = i;
                    break;
                }
            }
            assertEquals(expected, LineSplitter.indexOfNewline(bytes, from, bytes.length),
                    java.util.Arrays.toString(bytes) + " from " + from);
        }
    }

    @Test
    void other_ascii_compatible_charsets_split_and_decode() {
        Charset sjis = Charset.forName("Shift_JIS");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes("日本語\n表示\n".getBytes(sjis));
        LineSplitter s = splitter(sjis, 1 << 20);
        feed(s, bytes.toByteArray(), 1);
        s.finish();
        assertEquals(List.of("日本語", "表示"), lines);
    }

    @Test
    void only_charsets_that_encode_newline_as_one_byte_split_on_bytes() {
        assertTrue(LineSplitter.splitsOnBytes(StandardCharsets.UTF_8));
        assertTrue(LineSplitter.splitsOnBytes(StandardCharsets.ISO_8859_1));
        assertFalse(LineSplitter.splitsOnBytes(StandardCharsets.UTF_16));
        assertFalse(LineSplitter.splitsOnBytes(StandardCharsets.UTF_16LE));
    }
}
