package dev.fdcapture;

import dev.fdcapture.internal.posix.Libc;

import java.util.Objects;
import java.util.Optional;

/**
 * Captures what is written to the process's stdout and stderr at the level of
 * file descriptors 1 and 2: by native code (JNI, FFM, Go or Rust libraries), by
 * child processes that inherit the fds, by the JVM itself ({@code -Xlog}, thread
 * dumps), and by Java's own {@code System.out} and {@code System.err}, which are
 * streams on fd 1 and fd 2 too.
 *
 * <pre>{@code
 * Captured out = NativeOutput.capture(() -> nativeLibrary.run());
 * assertEquals("done\n", out.stdout());
 * }</pre>
 *
 * <p>How it works: for the duration of the body, the fds refer to an in-memory
 * file that a reader thread tails and delivers to {@link Sink}s. Writers never
 * wait for the reader, so capturing cannot deadlock the JVM, whatever writes and
 * whenever. C stdio buffers are flushed ({@code fflush(NULL)}) when a capture
 * starts, when it ends, and periodically in between.
 *
 * <p>What it does not do: it cannot see output that another runtime keeps in
 * its own buffer (Rust's {@code LineWriter}, C++ iostreams in some libraries)
 * until that runtime writes it; it captures the whole process, not one thread;
 * and it supports Linux only. The JVM needs native access for this module:
 * {@code --enable-native-access=dev.fdcapture} on the module path,
 * {@code --enable-native-access=ALL-UNNAMED} on the class path.
 */
public final class NativeOutput {
    private static final String UNSUPPORTED = unsupportedReason();

    private NativeOutput() {
    }

    /**
     * Code to run while the fds are redirected.
     *
     * @param <X> what it may throw; it propagates unchanged
     */
    @FunctionalInterface
    public interface Body<X extends Exception> {
        void run() throws X;
    }

    /**
     * Runs {@code body} with fd 1 and fd 2 captured, and returns what was written
     * to each. <b>If the body throws, the fds are restored, everything written is
     * delivered, and the body's exception propagates unchanged</b> (a capture
     * failure is attached to it as suppressed).
     */
    public static <X extends Exception> Captured capture(Body<X> body) throws X {
        Sink.Buffer out = Sink.buffer();
        Sink.Buffer err = Sink.buffer();
        run(redirect().stdout(out).stderr(err), body);
        return new Captured(out.text(), err.text());
    }

    /**
     * Runs {@code body} with fd 1 and fd 2 captured into one text, <b>in the exact
     * order the writes happened</b>: both fds refer to the same transport.
     */
    public static <X extends Exception> String captureMerged(Body<X> body) throws X {
        Sink.Buffer both = Sink.buffer();
        run(redirect().stdout(both).stderr(Sink.intoStdout()), body);
        return both.text();
    }

    /** Runs {@code body} with fd 1 captured; fd 2 is left alone. */
    public static <X extends Exception> String tapStdout(Body<X> body) throws X {
        Sink.Buffer out = Sink.buffer();
        run(redirect().stdout(out), body);
        return out.text();
    }

    /** Runs {@code body} with fd 2 captured; fd 1 is left alone. */
    public static <X extends Exception> String tapStderr(Body<X> body) throws X {
        Sink.Buffer err = Sink.buffer();
        run(redirect().stderr(err), body);
        return err.text();
    }

    /** Runs {@code body} with fd 1 and fd 2 pointed at {@code /dev/null}; no reader thread is involved. */
    public static <X extends Exception> void silence(Body<X> body) throws X {
        run(redirect().stdout(Sink.discard()).stderr(Sink.discard()), body);
    }

    /** Starts describing a redirection that lasts until it is closed. */
    public static RedirectBuilder redirect() {
        return new RedirectBuilder(Options.DEFAULTS);
    }

    /** Whether capturing can work in this JVM; {@link #unsupportedCause()} says why not. */
    public static boolean isSupported() {
        return UNSUPPORTED == null;
    }

    /** Why capturing cannot work here (naming the flag to add, where one helps), or empty. */
    public static Optional<String> unsupportedCause() {
        return Optional.ofNullable(UNSUPPORTED);
    }

    /**
     * Throws if capturing cannot work here.
     *
     * @throws UnsupportedOperationException with {@link #unsupportedCause()} as its message
     */
    public static void ensureSupported() {
        if (UNSUPPORTED != null) {
            throw new UnsupportedOperationException(UNSUPPORTED);
        }
    }

    private static <X extends Exception> void run(RedirectBuilder builder, Body<X> body) throws X {
        Objects.requireNonNull(body, "body");
        try (Redirection r = builder.start()) {
            body.run();
        }
    }

    /**
     * Decided once: checking native access before the first restricted call keeps
     * the JVM from printing its warning into someone's captured output, and
     * linking every handle now keeps linker errors out of any capture.
     */
    private static String unsupportedReason() {
        String os = System.getProperty("os.name", "");
        if (os.startsWith("Mac")) {
            return "fdcapture does not support macOS yet: its transport needs Linux memfd and inotify";
        }
        if (!os.equals("Linux")) {
            return "fdcapture supports Linux only; os.name is " + os;
        }
        Module module = NativeOutput.class.getModule();
        if (!module.isNativeAccessEnabled()) {
            String flag = "--enable-native-access=" + (module.isNamed() ? module.getName() : "ALL-UNNAMED");
            return "fdcapture needs native access: start the JVM with " + flag;
        }
        try {
            Libc.link();
            return null;
        } catch (Throwable t) {
            return "fdcapture could not link libc: " + t;
        }
    }
}
