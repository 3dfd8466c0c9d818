package dev.fdcapture;

import dev.fdcapture.internal.EchoGuard;
import dev.fdcapture.internal.Failures;
import dev.fdcapture.internal.FdTable;
import dev.fdcapture.internal.Flusher;
import dev.fdcapture.internal.JavaStreamBypass;
import dev.fdcapture.internal.LineSplitter;
import dev.fdcapture.internal.Outlet;
import dev.fdcapture.internal.Outlets;
import dev.fdcapture.internal.Spool;
import dev.fdcapture.internal.SpoolReader;
import dev.fdcapture.internal.posix.Libc;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An active redirection of fd 1 and/or fd 2, made by {@link RedirectBuilder#start()}.
 * Close it to put the fds back and collect what was written.
 *
 * <p>Redirections of the same fd nest, and may be closed in any order, from any
 * thread: after each close the fd points where the redirections still open say,
 * and after the last one it refers to the same file as before the first.
 */
public final class Redirection implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.fdcapture");
    private static final Outlet NOWHERE = chunk -> { };

    private final Options options;
    private final FdTable.Binding[] bindings;
    private final List<SpoolReader> readers;
    private final Failures failures;
    private final PrintStream[] bypasses;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Redirection(Options options, FdTable.Binding[] bindings, List<SpoolReader> readers, Failures failures,
                        PrintStream[] bypasses) {
        this.options = options;
        this.bindings = bindings;
        this.readers = readers;
        this.failures = failures;
        this.bypasses = bypasses;
    }

    /** The routes of one redirection, worked out before any descriptor is touched. */
    private enum Route {
        /** Leave the fd alone. */
        ORIGINAL,
        /** Point the fd at a file the kernel writes to, no reader. */
        DIRECT,
        /** Point the fd at a spool that a reader delivers to the sink. */
        SPOOL,
        /** fd 2 follows fd 1. */
        INTO_STDOUT;

        static Route of(Sink sink) {
            return switch (sink) {
                case Sinks.Original o -> ORIGINAL;
                case Sinks.ToFile f -> DIRECT;
                case Sinks.Discard d -> DIRECT;
                case Sinks.IntoStdout i -> INTO_STDOUT;
                case Sink.Buffer b -> SPOOL;
                case Sinks.Lines l -> SPOOL;
                case Sinks.Stream s -> SPOOL;
                case Sinks.Tee t -> SPOOL;
                case Sinks.LogLines l -> SPOOL;
                case Sinks.SystemStream s -> SPOOL;
            };
        }
    }

    static Redirection start(Options options) {
        Route out = Route.of(options.stdout());
        Route err = Route.of(options.stderr());
        List<Integer> toClose = new ArrayList<>();
        Spool outSpool = null;
        Spool errSpool = null;
        FdTable.Binding[] bindings = null;
        Failures failures = new Failures();
        EchoGuard guard = new EchoGuard();
        List<SpoolReader> readers = new ArrayList<>(2);
        int started = 0;
        try {
            int[] fds = new int[2];
            int[] targets = new int[2];
            int n = 0;
            if (out != Route.ORIGINAL) {
                int target;
                if (out == Route.SPOOL) {
                    outSpool = Spool.create(err == Route.INTO_STDOUT ? "fdcapture-merged" : "fdcapture-stdout");
                    target = outSpool.writeFd();
                } else {
                    target = openDirect(options.stdout());
                    toClose.add(target);
                }
                fds[n] = 1;
                targets[n++] = target;
            }
            if (err != Route.ORIGINAL) {
                int target;
                if (err == Route.SPOOL) {
                    errSpool = Spool.create("fdcapture-stderr");
                    target = errSpool.writeFd();
                } else if (err == Route.DIRECT) {
                    target = openDirect(options.stderr());
                    toClose.add(target);
                } else {
                    target = -1; // wherever fd 1 points once the binding above is made
                }
                fds[n] = 2;
                targets[n++] = target;
            }
            bindings = FdTable.bind(Arrays.copyOf(fds, n), Arrays.copyOf(targets, n));
            closeAll(toClose);

            AtomicInteger live = new AtomicInteger();
            FdTable.Binding[] bound = bindings;
            Runnable onExit = () -> {
                if (live.decrementAndGet() == 0) {
                    closeSaved(bound);
                }
            };
            if (outSpool != null) {
                int original = savedFor(bindings, 1);
                String name = err == Route.INTO_STDOUT ? "fdcapture-merged-reader" : "fdcapture-stdout-reader";
                Origin origin = err == Route.INTO_STDOUT ? Origin.MERGED : Origin.STDOUT;
                readers.add(reader(outSpool, options.stdout(), original, origin, name, options, failures, guard,
                        onExit));
                live.incrementAndGet();
                outSpool = null;
            }
            if (errSpool != null) {
                int original = savedFor(bindings, 2);
                readers.add(reader(errSpool, options.stderr(), original, Origin.STDERR, "fdcapture-stderr-reader",
                        options, failures, guard, onExit));
                live.incrementAndGet();
                errSpool = null;
            }
            // Guarded before they start: a reader's very first sink call may echo.
            for (SpoolReader r : readers) {
                guard.watch(r);
            }
            while (started < readers.size()) {
                readers.get(started).start();
                started++;
            }
            if (!readers.isEmpty()) {
                Flusher.register(options.flushInterval().toNanos());
            }
            PrintStream[] bypasses = new PrintStream[2];
            if (options.javaStreams() == JavaStreams.BYPASS) {
                if (out == Route.SPOOL) {
                    bypasses[0] = JavaStreamBypass.over(System.out, guard);
                    System.setOut(bypasses[0]);
                }
                if (err == Route.SPOOL || (err == Route.INTO_STDOUT && out == Route.SPOOL)) {
                    bypasses[1] = JavaStreamBypass.over(System.err, guard);
                    System.setErr(bypasses[1]);
                }
            }
            return new Redirection(options, bindings, List.copyOf(readers), failures, bypasses);
        } catch (RuntimeException | Error e) {
            rollback(e, bindings, outSpool, errSpool, readers, started, toClose);
            throw e;
        }
    }

    private static SpoolReader reader(Spool spool, Sink sink, int originalFd, Origin origin, String name,
                                      Options options, Failures failures, EchoGuard guard, Runnable onExit) {
        List<Integer> opened = new ArrayList<>();
        try {
            Outlet outlet = compile(sink, new Context(originalFd, origin, options, failures, guard, opened));
            // From here on the outlets own the files they opened and close them when finished.
            return new SpoolReader(spool, outlet, originalFd, name, options.backlogLimit(), failures, onExit);
        } catch (RuntimeException | Error e) {
            try {
                closeAll(opened);
            } catch (RuntimeException c) {
                e.addSuppressed(c);
            }
            throw e;
        }
    }

    /** What compiling a sink for one reader needs to know. */
    private record Context(int originalFd, Origin origin, Options options, Failures failures, EchoGuard guard,
                           List<Integer> opened) {
    }

    private static Outlet compile(Sink sink, Context cx) {
        Options options = cx.options();
        return switch (sink) {
            case Sink.Buffer b -> {
                b.charset(options.charset());
                yield Outlets.guarded(chunk -> b.append(chunk.array(), 0, chunk.length()), cx.failures());
            }
            case Sinks.Lines l -> Outlets.guarded(Outlets.lines(
                    new LineSplitter(options.charset(), options.maxLineLength(), l.consumer())), cx.failures());
            case Sinks.LogLines l -> {
                Origin origin = cx.origin();
                EchoGuard guard = cx.guard();
                yield Outlets.guarded(Outlets.lines(new LineSplitter(options.charset(), options.maxLineLength(),
                        line -> guard.log(line, () -> l.handler().accept(origin, line)))), cx.failures());
            }
            case Sinks.SystemStream s ->
                    Outlets.guarded(Outlets.javaStream(s == Sinks.SystemStream.ERR, cx.guard()), cx.failures());
            case Sinks.Stream s -> Outlets.guarded(Outlets.stream(s.out()), cx.failures());
            case Sinks.ToFile f -> {
                int fd = openDirect(f);
                cx.opened().add(fd);
                yield Outlets.guarded(Outlets.fd(fd, true), cx.failures());
            }
            case Sinks.Discard d -> NOWHERE;
            case Sinks.Original o -> Outlets.guarded(Outlets.fd(cx.originalFd(), false), cx.failures());
            case Sinks.Tee t -> {
                List<Outlet> all = new ArrayList<>(t.sinks().size());
                for (Sink s : t.sinks()) {
                    all.add(compile(s, cx));
                }
                yield Outlets.tee(all);
            }
            case Sinks.IntoStdout i -> throw new IllegalArgumentException("intoStdout() is for stderr only");
        };
    }

    private static int openDirect(Sink sink) {
        return switch (sink) {
            case Sinks.ToFile f -> Libc.open(f.file().toAbsolutePath().toString(),
                    Libc.O_WRONLY | Libc.O_CREAT | Libc.O_CLOEXEC | (f.append() ? Libc.O_APPEND : Libc.O_TRUNC),
                    0666);
            case Sinks.Discard d -> Libc.open("/dev/null", Libc.O_WRONLY | Libc.O_CLOEXEC, 0);
            default -> throw new IllegalArgumentException("not a direct sink: " + sink);
        };
    }

    private static int savedFor(FdTable.Binding[] bindings, int fd) {
        for (FdTable.Binding b : bindings) {
            if (b.fd() == fd) {
                return b.saved();
            }
        }
        throw new IllegalStateException("no binding for fd " + fd);
    }

    private static void rollback(Throwable e, FdTable.Binding[] bindings, Spool outSpool, Spool errSpool,
                                 List<SpoolReader> readers, int started, List<Integer> toClose) {
        try {
            if (bindings != null) {
                FdTable.unbind(bindings);
            }
        } catch (RuntimeException | Error u) {
            e.addSuppressed(u);
        }
        for (Spool s : new Spool[] {outSpool, errSpool}) {
            if (s != null) {
                try {
                    s.close();
                } catch (RuntimeException | Error c) {
                    e.addSuppressed(c);
                }
            }
        }
        // Readers own their spools, outlets and (the last one out) the saved fds:
        // let the started ones finish, and run the others here to the same end.
        for (int i = 0; i < readers.size(); i++) {
            SpoolReader r = readers.get(i);
            try {
                r.closeWriteEnd();
                if (i < started) {
                    r.finishOrStart();
                    r.awaitDelivered(Duration.ZERO);
                } else {
                    r.abandon();
                }
            } catch (RuntimeException | Error c) {
                e.addSuppressed(c);
            }
        }
        try {
            closeAll(toClose);
        } catch (RuntimeException | Error c) {
            e.addSuppressed(c);
        }
        if (bindings != null && readers.isEmpty()) {
            closeSaved(bindings);
        }
    }

    private static void closeAll(List<Integer> fds) {
        RuntimeException failure = null;
        for (int fd : fds) {
            try {
                Libc.close(fd);
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        fds.clear();
        if (failure != null) {
            throw failure;
        }
    }

    private static void closeSaved(FdTable.Binding[] bindings) {
        for (FdTable.Binding b : bindings) {
            Libc.close(b.saved());
        }
    }

    /**
     * Puts the fds back and waits until every byte written before this call is
     * delivered to the sinks. Idempotent; safe from any thread.
     *
     * <p>Waits at most {@link RedirectBuilder#closeTimeout} for child processes
     * still holding the fd; what they write after that goes where the fd pointed
     * before this redirection. <b>Delivery of what was already written is never
     * cut short</b>, however slow the sink. If the calling thread is interrupted
     * meanwhile, the wait goes on and the interrupt flag is set again on return.
     *
     * @throws CaptureException      if a sink threw (the cause is its first exception)
     *                               or a system call failed; the fds are restored either way
     * @throws IllegalStateException if called from one of this redirection's own sinks
     */
    @Override
    public void close() {
        for (SpoolReader r : readers) {
            if (r.isCurrentThread()) {
                // close() waits for the reader to deliver; from the reader itself it would wait forever.
                throw new IllegalStateException("a sink cannot close its own redirection; close it from another thread");
            }
        }
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        RuntimeException failure = null;
        boolean interrupted = false;
        // Java's streams first, so that prints from here on go straight to the restored fds.
        if (bypasses[0] != null && System.out == bypasses[0]) {
            System.setOut(JavaStreamBypass.previous(bypasses[0]));
        }
        if (bypasses[1] != null && System.err == bypasses[1]) {
            System.setErr(JavaStreamBypass.previous(bypasses[1]));
        }
        try {
            FdTable.unbind(bindings);
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            if (!readers.isEmpty()) {
                Flusher.unregister(options.flushInterval().toNanos());
            }
            for (SpoolReader r : readers) {
                try {
                    r.closeWriteEnd();
                } catch (RuntimeException e) {
                    failure = add(failure, e);
                }
            }
            for (SpoolReader r : readers) {
                try {
                    r.finishOrStart();
                } catch (RuntimeException e) {
                    failure = add(failure, e);
                }
                interrupted |= r.awaitDelivered(options.closeTimeout());
            }
            if (readers.isEmpty()) {
                try {
                    closeSaved(bindings);
                } catch (RuntimeException e) {
                    failure = add(failure, e);
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        long dropped = droppedBytes();
        if (dropped > 0) {
            LOG.log(System.Logger.Level.WARNING, "fdcapture dropped {0} bytes: the sink fell more than {1} bytes"
                    + " behind (RedirectBuilder.backlogLimit)", dropped, options.backlogLimit());
        }
        Throwable sinkFailure = failures.first();
        if (failure != null) {
            if (sinkFailure != null) {
                failure.addSuppressed(sinkFailure);
            }
            throw failure;
        }
        if (sinkFailure instanceof CaptureException c) {
            throw c;
        }
        if (sinkFailure != null) {
            throw new CaptureException("a sink failed: " + sinkFailure, sinkFailure);
        }
    }

    /**
     * Whether {@link #close()} has not been called yet.
     *
     * @return true until {@link #close()} is called
     */
    public boolean isOpen() {
        return !closed.get();
    }

    /**
     * Bytes dropped because a sink fell more than {@link RedirectBuilder#backlogLimit}
     * behind; 0 when nothing was lost.
     *
     * @return the number of bytes dropped
     */
    public long droppedBytes() {
        long sum = 0;
        for (SpoolReader r : readers) {
            sum += r.droppedBytes();
        }
        return sum;
    }

    /**
     * Bytes delivered to the sinks so far (those written to files or /dev/null directly are not counted).
     *
     * @return the number of bytes delivered
     */
    public long deliveredBytes() {
        long sum = 0;
        for (SpoolReader r : readers) {
            sum += r.deliveredBytes();
        }
        return sum;
    }

    private static RuntimeException add(RuntimeException first, RuntimeException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    @Override
    public String toString() {
        return "Redirection[" + (isOpen() ? "open" : "closed") + ", stdout=" + options.stdout()
                + ", stderr=" + options.stderr() + "]";
    }
}
