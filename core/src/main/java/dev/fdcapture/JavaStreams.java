package dev.fdcapture;

/**
 * What happens to Java's own {@code System.out} and {@code System.err} while the
 * fd under them is redirected. They are streams on fd 1 and fd 2 like any other
 * writer, so by default they are captured with everything else.
 */
public enum JavaStreams {
    /**
     * Java's prints are captured with the native output: one text, in write order.
     * The default of {@link NativeOutput#capture}, {@link NativeOutput#redirect()}
     * and the other capturing entry points.
     */
    CAPTURE,
    /**
     * Java's prints keep going where they went before the redirection: for the
     * duration, {@code System.out}/{@code System.err} are replaced by streams that
     * write to the previous ones, and whatever of that reaches a redirected fd (the
     * JVM's own stream is on fd 1) is passed to the saved original fd instead of
     * the sinks. What a notebook or IDE put in {@code System.out} keeps receiving
     * Java's prints. The default of {@link NativeOutput#toSystemStreams()},
     * {@link NativeOutput#toLoggers()} and {@link NativeOutput#install()}
     * (wurlitzer's and unaiverse's "real fd" behaviour). <b>Applies to fds read
     * by a reader; with {@link Sink#file}, {@link Sink#appendTo} and
     * {@link Sink#discard()} Java's prints follow the fd.</b>
     */
    BYPASS
}
