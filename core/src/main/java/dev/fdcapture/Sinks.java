package dev.fdcapture;

import dev.fdcapture.internal.Delivery;
import dev.fdcapture.internal.FileTarget;
import dev.fdcapture.internal.Route;

import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The kinds of {@link Sink} besides {@link Sink.Buffer}, made only by Sink's
 * factories, and their lowering into what the assembly below works with.
 */
final class Sinks {
    private Sinks() {
    }

    /**
     * What the fd of {@code sink} becomes: left alone, a file the kernel writes
     * to, fd 1's destination, or a spool whose reader delivers to the sink.
     * {@code origin} is the fd's, for sinks told where a line came from.
     */
    static Route route(Sink sink, Origin origin, Options options) {
        if (sink instanceof Original) {
            return Route.keep();
        }
        if (sink instanceof IntoStdout) {
            return Route.intoStdout();
        }
        if (sink instanceof Discard) {
            return Route.direct(FileTarget.devNull());
        }
        if (sink instanceof ToFile) {
            return Route.direct(((ToFile) sink).target());
        }
        return Route.spool(delivery(sink, origin, options));
    }

    /** What a reader delivers to for {@code sink}; inside a tee, files and the original fd get written by it. */
    private static Delivery delivery(Sink sink, Origin origin, Options options) {
        if (sink instanceof Sink.Buffer) {
            Sink.Buffer b = (Sink.Buffer) sink;
            b.charset(options.charset());
            return new Delivery.Bytes(new Delivery.ByteSink() { // not b::append: see internal's package-info
                @Override
                public void accept(byte[] bytes, int offset, int length) {
                    b.append(bytes, offset, length);
                }
            });
        }
        if (sink instanceof Lines) {
            return new Delivery.Lines(((Lines) sink).consumer());
        }
        if (sink instanceof LogLines) {
            BiConsumer<Origin, String> handler = ((LogLines) sink).handler();
            return new Delivery.LogLines(new Consumer<>() { // not a lambda: see internal's package-info
                @Override
                public void accept(String line) {
                    handler.accept(origin, line);
                }
            });
        }
        if (sink instanceof SystemStream) {
            return new Delivery.SystemStream(sink == SystemStream.ERR);
        }
        if (sink instanceof Stream) {
            return new Delivery.Stream(((Stream) sink).out());
        }
        if (sink instanceof Filter) {
            return new Delivery.Filter(((Filter) sink).filter());
        }
        if (sink instanceof ToFile) {
            return new Delivery.File(((ToFile) sink).target());
        }
        if (sink instanceof Original) {
            return new Delivery.Original();
        }
        if (sink instanceof Tee) {
            List<Delivery> all = new ArrayList<>();
            for (Sink s : ((Tee) sink).sinks()) {
                all.add(delivery(s, origin, options));
            }
            return new Delivery.Tee(List.copyOf(all));
        }
        // Discard never reaches a tee (tee() drops it); IntoStdout is refused by validation.
        throw new IllegalArgumentException("not a sink a reader delivers to: " + sink);
    }

    record Lines(Consumer<String> consumer) implements Sink {
    }

    record Stream(OutputStream out) implements Sink {
    }

    record ToFile(Path file, boolean append) implements Sink {
        FileTarget target() {
            return FileTarget.file(file.toAbsolutePath().toString(), append);
        }
    }

    record Tee(List<Sink> sinks) implements Sink {
    }

    record LogLines(BiConsumer<Origin, String> handler) implements Sink {
    }

    record Filter(Function<OutputStream, OutputStream> filter) implements Sink {
    }

    enum SystemStream implements Sink {
        OUT, ERR;

        @Override
        public String toString() {
            return this == OUT ? "Sink.systemOut()" : "Sink.systemErr()";
        }
    }

    enum Discard implements Sink {
        INSTANCE;

        @Override
        public String toString() {
            return "Sink.discard()";
        }
    }

    enum Original implements Sink {
        INSTANCE;

        @Override
        public String toString() {
            return "Sink.original()";
        }
    }

    enum IntoStdout implements Sink {
        INSTANCE;

        @Override
        public String toString() {
            return "Sink.intoStdout()";
        }
    }
}
