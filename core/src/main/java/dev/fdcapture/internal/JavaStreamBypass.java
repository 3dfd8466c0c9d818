package dev.fdcapture.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;

/**
 * What {@code System.out} or {@code System.err} becomes under
 * {@code JavaStreams.BYPASS}: a stream that writes to the one it replaced,
 * inside an echo window, so that if the replaced stream writes to a redirected
 * fd the bytes go to the saved original fd instead of into the capture.
 */
public final class JavaStreamBypass extends PrintStream {
    private final PrintStream previous;

    private JavaStreamBypass(PrintStream previous, Out out) {
        super(out, true, previous.charset());
        this.previous = previous;
    }

    public static JavaStreamBypass over(PrintStream previous, EchoGuard guard) {
        return new JavaStreamBypass(previous, new Out(previous, guard));
    }

    /** The stream this one replaced. */
    public PrintStream previous() {
        return previous;
    }

    /** {@code stream}, or the stream under any bypass wrapped around it. */
    public static PrintStream unwrap(PrintStream stream) {
        while (stream instanceof JavaStreamBypass b) {
            stream = b.previous;
        }
        return stream;
    }

    private static final class Out extends OutputStream {
        private final PrintStream previous;
        private final EchoGuard guard;

        Out(PrintStream previous, EchoGuard guard) {
            this.previous = previous;
            this.guard = guard;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            guard.write(b, off, len, () -> {
                previous.write(b, off, len);
                previous.flush();
            });
        }

        @Override
        public void flush() {
            previous.flush();
        }
    }
}
