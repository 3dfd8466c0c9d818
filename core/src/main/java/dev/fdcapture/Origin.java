package dev.fdcapture;

/** Which fd a line came from, for sinks made with {@link Sink#logLines}. */
public enum Origin {
    /** fd 1. */
    STDOUT("stdout"),
    /** fd 2. */
    STDERR("stderr"),
    /** fd 1 and fd 2 through one transport ({@link Sink#intoStdout()}): either. */
    MERGED("merged");

    private final String label;

    Origin(String label) {
        this.label = label;
    }

    /**
     * {@code stdout}, {@code stderr} or {@code merged}: the value loggers record.
     *
     * @return the label
     */
    public String label() {
        return label;
    }
}
