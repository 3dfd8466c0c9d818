package dev.fdcapture.junit;

/**
 * What one test wrote to fd 1 and fd 2, resolved as a parameter of {@code @Test},
 * {@code @BeforeEach} and {@code @AfterEach} methods of a test that
 * {@link CaptureNativeOutput} (or {@link NativeOutputExtension}) applies to.
 *
 * <p>It covers the test's {@code @BeforeEach} methods, the test and its
 * {@code @AfterEach} methods, and holds both kinds of output in write order:
 * what native code, child processes and the JVM wrote to the fds, and what Java
 * printed through {@code System.out} and {@code System.err}, so one assertion
 * covers both. Text is decoded as UTF-8; malformed input becomes U+FFFD.
 *
 * <p><b>Reading is exact at any point:</b> each call first collects everything
 * written to the fds until that moment (C stdio buffers are flushed too), so a
 * line a native call printed just before is there. A call costs well under a
 * millisecond (a median of 70-110 us on a loaded 2-core machine); polling it in a
 * loop is fine. <b>Inside a redirection the test makes itself</b>
 * ({@code NativeOutput.capture(...)}), a read cannot collect past that
 * redirection without taking its output: it returns what had arrived.
 */
public interface CapturedOutput {
    /**
     * Everything written to fd 1 so far, native and Java, in write order.
     *
     * @return the text of fd 1
     */
    String out();

    /**
     * Everything written to fd 2 so far, native and Java, in write order.
     *
     * @return the text of fd 2
     */
    String err();

    /**
     * Both streams in the order they were written. <b>Within each stream the order
     * is exact.</b> Between the two streams it is the order in which fdcapture's
     * two readers (one per fd) received the writes: writes a few milliseconds
     * apart come out in order, writes within about 100 microseconds of each other
     * either way, and a machine so loaded that a reader waits milliseconds for a
     * core can swap writes further apart (the README has the measurement). For an
     * exact order of both streams, use {@code NativeOutput.captureMerged}.
     *
     * @return the text of fd 1 and fd 2 together
     */
    String all();
}
