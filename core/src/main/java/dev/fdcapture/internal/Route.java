package dev.fdcapture.internal;

import java.util.Objects;

/**
 * Where one fd goes, as the assembly needs it: the API lowers each public sink
 * to one of these before any descriptor is touched.
 */
public final class Route {
    /** The kinds of route. */
    enum Kind {
        /** Leave the fd alone. */
        KEEP,
        /** Point the fd at a file the kernel writes to: no reader. */
        DIRECT,
        /** Point the fd at a spool whose reader delivers to {@link #delivery()}. */
        SPOOL,
        /** fd 2 follows fd 1 (2&gt;&amp;1). */
        INTO_STDOUT
    }

    private static final Route KEEP = new Route(Kind.KEEP, null, null);
    private static final Route INTO_STDOUT = new Route(Kind.INTO_STDOUT, null, null);

    private final Kind kind;
    private final FileTarget file;
    private final Delivery delivery;

    private Route(Kind kind, FileTarget file, Delivery delivery) {
        this.kind = kind;
        this.file = file;
        this.delivery = delivery;
    }

    public static Route keep() {
        return KEEP;
    }

    public static Route intoStdout() {
        return INTO_STDOUT;
    }

    /** The fd refers to {@code file} itself. */
    public static Route direct(FileTarget file) {
        return new Route(Kind.DIRECT, Objects.requireNonNull(file), null);
    }

    /** A reader delivers what the fd receives. */
    public static Route spool(Delivery delivery) {
        return new Route(Kind.SPOOL, null, Objects.requireNonNull(delivery));
    }

    Kind kind() {
        return kind;
    }

    FileTarget file() {
        return file;
    }

    Delivery delivery() {
        return delivery;
    }
}
