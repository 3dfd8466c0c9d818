package dev.fdcapture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;

@Timeout(30)
class SmokeTest {
    @Test
    void captures_libc_writes_on_both_fds() {
        String before1 = Fds.identity(1);
        String before2 = Fds.identity(2);
        Captured c = NativeOutput.capture(() -> {
            NativeWriters.puts("hello");
            NativeWriters.printf("pf ");
            NativeWriters.fprintfStderr("err\n");
            NativeWriters.write(1, "raw\n");
        });
        assertEquals("hello\npf raw\n".length(), c.stdout().length(), c.stdout());
        assertEquals("err\n", c.stderr());
        assertEquals(before1, Fds.identity(1));
        assertEquals(before2, Fds.identity(2));
    }
}
