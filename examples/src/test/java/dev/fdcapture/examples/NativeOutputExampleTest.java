package dev.fdcapture.examples;

import dev.fdcapture.junit.CaptureNativeOutput;
import dev.fdcapture.junit.CapturedOutput;
import dev.fdcapture.junit.Echo;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Asserting on native output in a JUnit test. The "native code" here is a child
 * process (it writes to the fds it inherited, as C code would); a JNI or FFM
 * binding is captured the same way.
 *
 * <pre>
 * mvn -B -pl examples -am verify -Dtest=NativeOutputExampleTest -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
@CaptureNativeOutput
class NativeOutputExampleTest {

    /** Stands for a native library call that prints. */
    private static void nativeHello(String who) throws IOException, InterruptedException {
        new ProcessBuilder("sh", "-c", "echo hello, " + who + "; echo 'a warning' >&2").inheritIO().start().waitFor();
    }

    @Test
    void native_output_and_java_prints_are_in_one_capture_in_write_order(CapturedOutput output) throws Exception {
        System.out.println("before the native call");
        nativeHello("world");
        System.out.println("after it");

        assertEquals("before the native call\nhello, world\nafter it\n", output.out());
        assertEquals("a warning\n", output.err());
        // Both streams together (see CapturedOutput.all()): exact order within each
        // stream; between the two it is arrival order, which is not exact for writes
        // this close together, so the example asserts only what is guaranteed.
        String all = output.all();
        assertTrue(all.indexOf("before the native call\n") < all.indexOf("hello, world\n"), all);
        assertTrue(all.indexOf("hello, world\n") < all.indexOf("after it\n"), all);
        assertTrue(all.contains("a warning\n"), all);
    }

    @Test
    @CaptureNativeOutput(echo = Echo.ON_FAILURE)
    void a_noisy_call_can_be_kept_out_of_the_report_unless_the_test_fails(CapturedOutput output) throws Exception {
        nativeHello("nobody");
        assertTrue(output.out().contains("hello, nobody"));
    }
}
