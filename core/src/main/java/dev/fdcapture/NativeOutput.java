package dev.fdcapture;

import dev.fdcapture.internal.ScopedCaptures;
import dev.fdcapture.internal.posix.Backend;

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
 * starts and when it ends; in between, {@code stdout} and {@code stderr} are
 * flushed periodically.
 *
 * <p><b>Scoped captures run one at a time.</b> fds belong to the process, not to
 * a thread: two captures open at once would each get the other's output. So the
 * scoped entry points ({@link #capture}, {@link #captureMerged},
 * {@link #tapStdout}, {@link #tapStderr}, {@link #silence}) take turns,
 * process-wide, and each returns exactly what was written during its own body
 * (JUnit's parallel execution, request threads of a server). They nest on one
 * thread: a capture inside a body is an inner capture, as before. What remains
 * true: a thread that does not capture still writes into whatever capture is
 * open, and a long-lived {@link #redirect()} started meanwhile nests over it as
 * always. A body that waits for another thread which is itself waiting to
 * capture would wait forever; instead, that other thread's capture fails after
 * 30 seconds with a {@link CaptureException} naming the thread that holds the
 * turn. Long-lived redirections ({@link #redirect()}, {@link #install()}) do not
 * take turns.
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
    private static final Object INSTALL_LOCK = new Object();
    private static Redirection installed;

    private NativeOutput() {
    }

    /**
     * Code to run while the fds are redirected. It may throw anything, checked or
     * not, {@code Throwable} included: {@code MethodHandle.invokeExact}, the way
     * FFM code calls native functions, and JUnit's {@code Executable} declare
     * {@code throws Throwable}, so {@code capture(() -> PUTS.invokeExact(s))} and
     * {@code capture(executable::execute)} compile.
     *
     * @param <X> what it may throw; it propagates unchanged
     */
    @FunctionalInterface
    public interface Body<X extends Throwable> {
        /**
         * Runs the code.
         *
         * @throws X whatever the code throws
         */
        void run() throws X;
    }

    /**
     * Runs {@code body} with fd 1 and fd 2 captured, and returns what was written
     * to each. <b>If the body throws, the fds are restored, everything written is
     * delivered, and the body's exception propagates unchanged</b> (a capture
     * failure is attached to it as suppressed). Waits while another thread's
     * scoped capture runs (see the class description).
     *
     * @param <X>  what the body may throw
     * @param body the code to run
     * @return what was written to fd 1 and to fd 2 while the body ran
     * @throws X   the body's own exception, unchanged, after the fds are restored
     * @throws CaptureException if another thread's scoped capture does not end within 30 seconds
     *                          (see the class description), or a system call fails
     */
    public static <X extends Throwable> Captured capture(Body<X> body) throws X {
        Sink.Buffer out = Sink.buffer();
        Sink.Buffer err = Sink.buffer();
        run(redirect().stdout(out).stderr(err), body);
        return new Captured(out.text(), err.text());
    }

    /**
     * Runs {@code body} with fd 1 and fd 2 captured into one text, <b>in the exact
     * order the writes happened</b>: both fds refer to the same transport. Takes
     * its turn like {@link #capture}.
     *
     * @param <X>  what the body may throw
     * @param body the code to run
     * @return what was written to fd 1 and fd 2 while the body ran, interleaved
     * @throws X   the body's own exception, unchanged, after the fds are restored
     * @throws CaptureException if another thread's scoped capture does not end within 30 seconds
     *                          (see the class description), or a system call fails
     */
    public static <X extends Throwable> String captureMerged(Body<X> body) throws X {
        Sink.Buffer both = Sink.buffer();
        run(redirect().stdout(both).stderr(Sink.intoStdout()), body);
        return both.text();
    }

    /**
     * Runs {@code body} with fd 1 captured; fd 2 is left alone. Takes its turn like {@link #capture}.
     *
     * @param <X>  what the body may throw
     * @param body the code to run
     * @return what was written to fd 1 while the body ran
     * @throws X   the body's own exception, unchanged, after the fds are restored
     * @throws CaptureException if another thread's scoped capture does not end within 30 seconds
     *                          (see the class description), or a system call fails
     */
    public static <X extends Throwable> String tapStdout(Body<X> body) throws X {
        Sink.Buffer out = Sink.buffer();
        run(redirect().stdout(out), body);
        return out.text();
    }

    /**
     * Runs {@code body} with fd 2 captured; fd 1 is left alone. Takes its turn like {@link #capture}.
     *
     * @param <X>  what the body may throw
     * @param body the code to run
     * @return what was written to fd 2 while the body ran
     * @throws X   the body's own exception, unchanged, after the fds are restored
     * @throws CaptureException if another thread's scoped capture does not end within 30 seconds
     *                          (see the class description), or a system call fails
     */
    public static <X extends Throwable> String tapStderr(Body<X> body) throws X {
        Sink.Buffer err = Sink.buffer();
        run(redirect().stderr(err), body);
        return err.text();
    }

    /**
     * Runs {@code body} with fd 1 and fd 2 pointed at {@code /dev/null}; no reader
     * thread is involved. Takes its turn like {@link #capture}.
     *
     * @param <X>  what the body may throw
     * @param body the code to run
     * @throws X   the body's own exception, unchanged, after the fds are restored
     * @throws CaptureException if another thread's scoped capture does not end within 30 seconds
     *                          (see the class description), or a system call fails
     */
    public static <X extends Throwable> void silence(Body<X> body) throws X {
        run(redirect().stdout(Sink.discard()).stderr(Sink.discard()), body);
    }

    /**
     * Starts describing a redirection that lasts until it is closed.
     *
     * @return a builder that leaves both fds alone until told otherwise
     */
    public static RedirectBuilder redirect() {
        return new RedirectBuilder(Options.DEFAULTS);
    }

    /**
     * Sends fd 1 to {@code System.out} and fd 2 to {@code System.err}, whatever
     * they are at each write, until the returned redirection is closed: native
     * output shows up in an IDE console, a notebook or a test report that replaced
     * them (wurlitzer's {@code sys_pipes}). Java's own prints keep going where they
     * went ({@link JavaStreams#BYPASS}), and nothing loops when those streams are
     * the JVM's own on fd 1 and fd 2.
     *
     * @return the started redirection; close it to restore the fds
     */
    public static Redirection toSystemStreams() {
        return systemStreams().start();
    }

    /**
     * Sends native output to {@link System.Logger}s, one record per line: fd 1 at
     * {@code INFO} on {@code native.stdout}, fd 2 at {@code WARNING} on
     * {@code native.stderr}. Warning rather than error, because native libraries
     * write progress and diagnostics to stderr as much as errors. Java's own prints
     * are not captured ({@link JavaStreams#BYPASS}), and a console handler of the
     * logger never feeds back into the capture.
     *
     * @return the started redirection; close it to restore the fds
     */
    public static Redirection toLoggers() {
        return redirect()
                .stdout(Sink.logger(System.getLogger("native.stdout"), System.Logger.Level.INFO))
                .stderr(Sink.logger(System.getLogger("native.stderr"), System.Logger.Level.WARNING))
                .javaStreams(JavaStreams.BYPASS)
                .start();
    }

    /**
     * Installs {@link #toSystemStreams()} for the life of the process, or until
     * {@link #uninstall()} (wurlitzer's {@code sys_pipes_forever}).
     *
     * @return the installed redirection (the earlier one if one was installed already)
     */
    public static Redirection install() {
        return install(systemStreams());
    }

    /**
     * Starts {@code redirection} and keeps it for the life of the process, or until
     * {@link #uninstall()}. Idempotent and thread-safe: <b>if a redirection is
     * installed already, it is returned and {@code redirection} is not started.</b>
     * At JVM exit the library's shutdown hook closes it like every redirection
     * still open (see {@link RedirectBuilder#start()}), so everything written
     * before {@code System.exit} is delivered (provided the sinks still work while
     * shutdown hooks run: {@code java.util.logging} resets its handlers in a hook
     * of its own).
     *
     * @param redirection what to install
     * @return the installed redirection (the earlier one if one was installed already)
     */
    public static Redirection install(RedirectBuilder redirection) {
        Objects.requireNonNull(redirection, "redirection");
        synchronized (INSTALL_LOCK) {
            if (installed != null) {
                return installed;
            }
            Redirection started = redirection.start();
            installed = started;
            return started;
        }
    }

    /**
     * Closes the installed redirection, if any: fd 1 and fd 2 are restored exactly
     * and everything written is delivered first.
     *
     * @return whether one was installed
     * @throws CaptureException as {@link Redirection#close()} does
     */
    public static boolean uninstall() {
        Redirection r;
        synchronized (INSTALL_LOCK) {
            r = installed;
            installed = null;
        }
        if (r == null) {
            return false;
        }
        r.close();
        return true;
    }

    private static RedirectBuilder systemStreams() {
        return redirect().stdout(Sink.systemOut()).stderr(Sink.systemErr()).javaStreams(JavaStreams.BYPASS);
    }

    /**
     * Whether capturing can work in this JVM; {@link #unsupportedCause()} says why not.
     *
     * @return true if the capture methods can work here
     */
    public static boolean isSupported() {
        return UNSUPPORTED == null;
    }

    /**
     * Why capturing cannot work here (naming the flag to add, where one helps), or empty.
     *
     * @return the reason, or empty if {@link #isSupported()}
     */
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

    private static <X extends Throwable> void run(RedirectBuilder builder, Body<X> body) throws X {
        Objects.requireNonNull(body, "body");
        ensureSupported();
        ScopedCaptures.enter();
        try (Redirection r = builder.start()) {
            body.run();
        } finally {
            ScopedCaptures.exit();
        }
    }

    /**
     * Decided once, by the native layer: checking native access before the first
     * restricted call keeps the JVM from printing its warning into someone's
     * captured output, and linking every function now keeps linker errors out of
     * any capture.
     */
    private static String unsupportedReason() {
        return Backend.unsupportedReason();
    }
}
