package dev.fdcapture;

import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/** The kinds of {@link Sink} besides {@link Sink.Buffer}; made only by Sink's factories. */
final class Sinks {
    private Sinks() {
    }

    record Lines(Consumer<String> consumer) implements Sink {
    }

    record Stream(OutputStream out) implements Sink {
    }

    record ToFile(Path file, boolean append) implements Sink {
    }

    record Tee(List<Sink> sinks) implements Sink {
    }

    record LogLines(BiConsumer<Origin, String> handler) implements Sink {
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
