package dev.fdcapture.internal;

import dev.fdcapture.CaptureException;
import dev.fdcapture.internal.posix.Libc;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One redirection's machinery, assembled from its routes: spools, readers with
 * their compiled outlets, the fd table's bindings and Java's streams. The public
 * {@code Redirection} is a thin handle on it.
 */
public final class Plumbing {
    private final Settings settings;
    private final FdTable.Binding[] bindings;
    private final List<SpoolReader> readers;
    private final Failures failures;
    private final PrintStream[] bypasses;

    private Plumbing(Settings settings, FdTable.Binding[] bindings, List<SpoolReader> readers, Failures failures,
                     PrintStream[] bypasses) {
        this.settings = settings;
        this.bindings = bindings;
        this.readers = readers;
        this.failures = failures;
        this.bypasses = bypasses;
    }

    /**
     * Redirects fd 1 as {@code out} says and fd 2 as {@code err} says; on failure
     * nothing is left changed.
     */
    public static Plumbing start(Route out, Route err, Settings settings) {
        boolean merged = err.kind() == Route.Kind.INTO_STDOUT;
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
            if (out.kind() != Route.Kind.KEEP) {
                int target;
                if (out.kind() == Route.Kind.SPOOL) {
                    outSpool = Spool.create(merged ? "fdcapture-merged" : "fdcapture-stdout");
                    target = outSpool.writeFd();
                } else {
                    target = out.file().open();
                    toClose.add(target);
                }
                fds[n] = 1;
                targets[n++] = target;
            }
            if (err.kind() != Route.Kind.KEEP) {
                int target;
                if (err.kind() == Route.Kind.SPOOL) {
                    errSpool = Spool.create("fdcapture-stderr");
                    target = errSpool.writeFd();
                } else if (err.kind() == Route.Kind.DIRECT) {
                    target = err.file().open();
                    toClose.add(target);
                } else {
                    target = -1; // wherever fd 1 points once the binding above is made
                }
                fds[n] = 2;
                targets[n++] = target;
            }
            bindings = FdTable.bind(java.util.Arrays.copyOf(fds, n), java.util.Arrays.copyOf(targets, n));
            closeAll(toClose);

            AtomicInteger live = new AtomicInteger();
            Runnable onExit = new CloseSavedAfterLast(live, bindings);
            if (outSpool != null) {
                String name = merged ? "fdcapture-merged-reader" : "fdcapture-stdout-reader";
                readers.add(reader(outSpool, out.delivery(), savedFor(bindings, 1), name, settings, failures, guard,
                        onExit));
                live.incrementAndGet();
                outSpool = null;
            }
            if (errSpool != null) {
                readers.add(reader(errSpool, err.delivery(), savedFor(bindings, 2), "fdcapture-stderr-reader",
                        settings, failures, guard, onExit));
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
                Flusher.register(settings.flushIntervalNanos());
            }
            PrintStream[] bypasses = new PrintStream[2];
            if (settings.bypassJavaStreams()) {
                boolean outRead = out.kind() == Route.Kind.SPOOL;
                if (outRead) {
                    bypasses[0] = JavaStreamBypass.over(System.out, guard);
                    System.setOut(bypasses[0]);
                }
                if (err.kind() == Route.Kind.SPOOL || (merged && outRead)) {
                    bypasses[1] = JavaStreamBypass.over(System.err, guard);
                    System.setErr(bypasses[1]);
                }
            }
            return new Plumbing(settings, bindings, List.copyOf(readers), failures, bypasses);
        } catch (RuntimeException | Error e) {
            rollback(e, bindings, outSpool, errSpool, readers, started, toClose, settings);
            throw e;
        }
    }

    /** Run by each reader as it ends: the last one closes the saved fds it wrote to. */
    private static final class CloseSavedAfterLast implements Runnable {
        private final AtomicInteger live;
        private final FdTable.Binding[] bindings;

        CloseSavedAfterLast(AtomicInteger live, FdTable.Binding[] bindings) {
            this.live = live;
            this.bindings = bindings;
        }

        @Override
        public void run() {
            if (live.decrementAndGet() == 0) {
                closeSaved(bindings);
            }
        }
    }

    private static SpoolReader reader(Spool spool, Delivery delivery, int originalFd, String name, Settings settings,
                                      Failures failures, EchoGuard guard, Runnable onExit) {
        Progress progress = new Progress();
        OriginalFd original = new OriginalFd(originalFd, name.replace("fdcapture-", "").replace("-reader", ""),
                failures);
        Delivery.Context cx = new Delivery.Context(original, settings, failures, guard, progress);
        try {
            Outlet outlet = delivery.outlet(cx);
            // From here on the outlets own the files they opened and close them when finished.
            return new SpoolReader(spool, outlet, progress, original, name, settings.backlogLimit(), failures,
                    onExit);
        } catch (RuntimeException | Error e) {
            try {
                closeAll(cx.opened);
            } catch (RuntimeException c) {
                e.addSuppressed(c);
            }
            throw e;
        }
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
                                 List<SpoolReader> readers, int started, List<Integer> toClose, Settings settings) {
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
                    r.awaitDelivered(Duration.ZERO, settings.stallTimeout());
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
                failure = Failures.chain(failure, e);
            }
        }
        fds.clear();
        if (failure != null) {
            throw failure;
        }
    }

    private static void closeSaved(FdTable.Binding[] bindings) {
        RuntimeException failure = null;
        for (FdTable.Binding b : bindings) {
            try {
                Libc.close(b.saved());
            } catch (RuntimeException e) {
                failure = Failures.chain(failure, e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Whether the calling thread is one of this redirection's readers (a sink calling back). */
    public boolean isReaderThread() {
        for (SpoolReader r : readers) {
            if (r.isCurrentThread()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Puts the fds back and waits until everything written before is delivered;
     * see {@code Redirection.close()} for the contract. Call once.
     */
    public void close() {
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
                Flusher.unregister(settings.flushIntervalNanos());
            }
            for (SpoolReader r : readers) {
                try {
                    r.closeWriteEnd();
                } catch (RuntimeException e) {
                    failure = Failures.chain(failure, e);
                }
            }
            for (SpoolReader r : readers) {
                try {
                    r.finishOrStart();
                } catch (RuntimeException e) {
                    failure = Failures.chain(failure, e);
                }
            }
            SpoolReader.Wait wait = SpoolReader.awaitAll(readers, settings.closeTimeout(), settings.stallTimeout());
            interrupted = wait.interrupted;
            if (wait.stall != null) {
                failure = Failures.chain(failure, wait.stall);
            }
            if (readers.isEmpty()) {
                try {
                    closeSaved(bindings);
                } catch (RuntimeException e) {
                    failure = Failures.chain(failure, e);
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        failures.logWarnings(); // the fds are restored: a warning no longer lands in a capture
        long dropped = 0;
        long forSpace = 0;
        int truncations = 0;
        for (SpoolReader r : readers) {
            dropped += r.backlogDroppedBytes();
            forSpace += r.droppedForSpace();
            truncations += r.truncations();
        }
        if (dropped > forSpace) {
            Log.LOG.log(System.Logger.Level.WARNING, "fdcapture dropped {0} bytes: the sink fell more than {1} bytes"
                    + " behind (RedirectBuilder.backlogLimit)", dropped - forSpace, settings.backlogLimit());
        }
        if (forSpace > 0) {
            Log.LOG.log(System.Logger.Level.WARNING, "fdcapture dropped {0} bytes: the spool''s filesystem ran low on"
                    + " space (-D" + SpoolBacking.PROPERTY + ")", forSpace);
        }
        if (truncations > 0) {
            Log.LOG.log(System.Logger.Level.WARNING, "fdcapture''s spool was truncated {0} times by another process"
                    + " (a child''s \"> /dev/stdout\"?): what it wrote before each truncation and the capture had not"
                    + " read yet is lost; \">>\" appends instead", truncations);
        }
        Throwable sinkFailure = failures.first();
        if (failure != null) {
            if (sinkFailure != null) {
                failure.addSuppressed(sinkFailure);
            }
            throw failure;
        }
        if (sinkFailure instanceof CaptureException) {
            throw (CaptureException) sinkFailure;
        }
        if (sinkFailure != null) {
            throw new CaptureException("a sink failed: " + sinkFailure, sinkFailure);
        }
    }

    /** Bytes skipped because a sink fell more than the backlog limit behind. */
    public long droppedBytes() {
        long sum = 0;
        for (SpoolReader r : readers) {
            sum += r.droppedBytes();
        }
        return sum;
    }

    /** Bytes handed to the sinks so far. */
    public long deliveredBytes() {
        long sum = 0;
        for (SpoolReader r : readers) {
            sum += r.deliveredBytes();
        }
        return sum;
    }
}
