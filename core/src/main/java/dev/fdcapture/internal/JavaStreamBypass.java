package dev.fdcapture.internal;

import dev.fdcapture.internal.posix.Jdk;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * What {@code System.out} or {@code System.err} becomes under
 * {@code JavaStreams.BYPASS}: a print stream that writes to the one it replaced,
 * inside an echo window, so that if the replaced stream writes to a redirected
 * fd the bytes go to the saved original fd instead of into the capture.
 *
 * <p>A plain {@link PrintStream}, not a subclass: for subclasses
 * {@code println(x)} is {@code print(x)} then a separate newline, two writes
 * that other output could get between.
 */
public final class JavaStreamBypass {
    /** Each bypass stream and the stream it replaced. */
    private static final Map<PrintStream, PrintStream> PREVIOUS = Collections.synchronizedMap(new WeakHashMap<>());

    private JavaStreamBypass() {
    }

    public static PrintStream over(PrintStream previous, EchoGuard guard) {
        PrintStream bypass = new PrintStream(new Out(previous, guard), true, Jdk.current().charset(previous));
        PREVIOUS.put(bypass, previous);
        return bypass;
    }

    /** The stream {@code bypass} replaced. */
    public static PrintStream previous(PrintStream bypass) {
        PrintStream previous = PREVIOUS.get(bypass);
        return previous != null ? previous : bypass;
    }

    /** {@code stream}, or the stream under any bypass wrapped around it. */
    public static PrintStream unwrap(PrintStream stream) {
        for (PrintStream previous = PREVIOUS.get(stream); previous != null; previous = PREVIOUS.get(stream)) {
            stream = previous;
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
