package dev.fdcapture.internal;

import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What a reader delivers a spool's bytes to: the lowered form of a public sink
 * that needs a reader. Each kind compiles itself into an {@link Outlet} for one
 * reader, with what that reader knows ({@link Context}). The outlets' callbacks
 * are classes, not lambdas (see package-info).
 */
public sealed interface Delivery {

    /** What compiling for one reader needs to know. */
    final class Context {
        final OriginalFd original;
        final Settings settings;
        final Failures failures;
        final EchoGuard guard;
        /** Beaten after each call of user code, for close()'s stall limit. */
        final Progress progress;
        /** Descriptors opened while compiling: closed by the caller if compiling fails. */
        final List<Integer> opened = new ArrayList<>();

        Context(OriginalFd original, Settings settings, Failures failures, EchoGuard guard, Progress progress) {
            this.original = original;
            this.settings = settings;
            this.failures = failures;
            this.guard = guard;
            this.progress = progress;
        }
    }

    /** The outlet for one reader; any descriptor it opens is in {@code cx.opened}. */
    Outlet outlet(Context cx);

    /** Raw bytes, in order, to {@code sink}. */
    interface ByteSink {
        void accept(byte[] bytes, int offset, int length);
    }

    /** Every byte to {@code sink}. */
    record Bytes(ByteSink sink) implements Delivery {
        @Override
        public Outlet outlet(Context cx) {
            return Outlets.guarded(Outlets.bytes(sink), cx.failures);
        }
    }

    /** Lines to {@code consumer}. */
    record Lines(Consumer<String> consumer) implements Delivery {
        @Override
        public Outlet outlet(Context cx) {
            Settings s = cx.settings;
            Progress progress = cx.progress;
            return Outlets.guarded(Outlets.lines(new LineSplitter(s.charset(), s.maxLineLength(), new Consumer<>() {
                @Override
                public void accept(String line) {
                    consumer.accept(line);
                    progress.beat();
                }
            })), cx.failures);
        }
    }

    /** Lines to a consumer that logs, inside echo windows (its console output never loops). */
    record LogLines(Consumer<String> handler) implements Delivery {
        @Override
        public Outlet outlet(Context cx) {
            Settings s = cx.settings;
            EchoGuard guard = cx.guard;
            Progress progress = cx.progress;
            return Outlets.guarded(Outlets.lines(new LineSplitter(s.charset(), s.maxLineLength(), new Consumer<>() {
                @Override
                public void accept(String line) {
                    guard.log(line, () -> handler.accept(line));
                    progress.beat();
                }
            })), cx.failures);
        }
    }

    /** Raw bytes to whatever {@code System.out} (or {@code System.err}) is at each write. */
    record SystemStream(boolean err) implements Delivery {
        @Override
        public Outlet outlet(Context cx) {
            return Outlets.guarded(Outlets.javaStream(err, cx.guard, cx.failures), cx.failures);
        }
    }

    /** Raw bytes to a stream, flushed at the end. */
    record Stream(OutputStream out) implements Delivery {
        @Override
        public Outlet outlet(Context cx) {
            return Outlets.guarded(Outlets.stream(out), cx.failures);
        }
    }

    /** Raw bytes to the stream a filter makes, given a stream to where the fd pointed before. */
    record Filter(java.util.function.Function<OutputStream, OutputStream> filter) implements Delivery {
        @Override
        public Outlet outlet(Context cx) {
            Outlets.OriginalStream original = new Outlets.OriginalStream(cx.original);
            OutputStream out = java.util.Objects.requireNonNull(filter.apply(original), "the filter returned no stream");
            return Outlets.guarded(Outlets.filter(out, original), cx.failures);
        }
    }

    /** Raw bytes to a file the reader opens (a file inside a tee). */
    record File(FileTarget file) implements Delivery {
        @Override
        public Outlet outlet(Context cx) {
            int fd = file.open();
            cx.opened.add(fd);
            return Outlets.guarded(Outlets.fd(fd, true), cx.failures);
        }
    }

    /** Raw bytes to where the fd pointed before the redirection. */
    record Original() implements Delivery {
        @Override
        public Outlet outlet(Context cx) {
            return Outlets.guarded(Outlets.original(cx.original), cx.failures);
        }
    }

    /** Every delivery in turn. */
    record Tee(List<Delivery> all) implements Delivery {
        @Override
        public Outlet outlet(Context cx) {
            List<Outlet> outlets = new ArrayList<>(all.size());
            for (Delivery d : all) {
                outlets.add(d.outlet(cx));
            }
            return Outlets.tee(outlets, cx.progress);
        }
    }
}
