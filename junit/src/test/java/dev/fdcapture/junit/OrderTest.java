package dev.fdcapture.junit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What must hold 2: order, within a stream exactly, across the two streams for writes milliseconds apart. */
@Timeout(60)
@CaptureNativeOutput(echo = Echo.ON_FAILURE)
class OrderTest {

    @Test
    void a_thousand_alternating_native_and_java_writes_to_fd_1_come_out_in_the_order_they_were_written(
            CapturedOutput output) {
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            String n = "native " + i + "\n";
            String j = "java " + i + "\n";
            Libc.write(1, n);
            System.out.print(j);
            expected.append(n).append(j);
        }
        assertEquals(expected.toString(), output.out());
        assertEquals(expected.toString(), output.all());
        assertEquals("", output.err());
    }

    @Test
    void writes_to_fd_2_tens_of_milliseconds_apart_from_those_to_fd_1_take_their_place_in_all(CapturedOutput output)
            throws InterruptedException {
        StringBuilder all = new StringBuilder();
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            Libc.write(1, "out native " + i + "\n");
            System.out.println("out java " + i);
            Thread.sleep(20);
            Libc.write(2, "err native " + i + "\n");
            System.err.println("err java " + i);
            Thread.sleep(20);
            out.append("out native ").append(i).append("\nout java ").append(i).append('\n');
            err.append("err native ").append(i).append("\nerr java ").append(i).append('\n');
            all.append("out native ").append(i).append("\nout java ").append(i).append('\n')
                    .append("err native ").append(i).append("\nerr java ").append(i).append('\n');
        }
        assertEquals(out.toString(), output.out());
        assertEquals(err.toString(), output.err());
        assertEquals(all.toString(), output.all());
    }

    @Test
    void what_native_code_printed_is_there_when_read_right_after_even_from_the_stdio_buffer(CapturedOutput output) {
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            String line = "line " + i + "\n";
            Libc.write(1, line);
            expected.append(line);
            assertEquals(expected.toString(), output.out(), "read right after write " + i);
        }
        // fd 1 is not a terminal, so stdio keeps this in its buffer until someone flushes it
        Libc.puts("buffered by stdio");
        expected.append("buffered by stdio\n");
        assertEquals(expected.toString(), output.out());
        Libc.shell("echo from a child; echo to stderr >&2");
        expected.append("from a child\n");
        assertTrue(output.out().endsWith("from a child\n"), output.out());
        assertEquals("to stderr\n", output.err());
    }
}
