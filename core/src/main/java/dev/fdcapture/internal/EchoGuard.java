package dev.fdcapture.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Keeps a sink from capturing its own output (HAZARDS.md item 3).
 *
 * <p>A sink that forwards to Java's console streams or to a logger may end up
 * writing to the very fd it captures: {@code System.out} is a stream on fd 1,
 * JUL's {@code ConsoleHandler} and log4j2's console appender hold the original
 * {@code System.err}/{@code System.out}, Surefire's stream writes to fd 1. With a
 * pipe that deadlocks; with a spool it loops forever. fds belong to the whole
 * process, so the capture cannot tell writers apart by thread. Instead, such a
 * sink's action runs inside a window: the redirection's readers stop at the
 * current end of their spools, the action runs, and what was appended meanwhile
 * is that action's echo. Echo goes to the saved original fd, where the console
 * really is, and is never delivered to a sink again.
 *
 * <p>A raw write (Java streams, {@code Sink.systemOut()}) claims everything
 * appended during it. A logger call claims it only if the line's text shows up
 * in it, so native output written at the same moment, which the window cannot
 * tell apart, keeps going to the logger unless it happens to contain that text.
 */
public final class EchoGuard {
    private final List<SpoolReader> readers = new CopyOnWriteArrayList<>();

    /** Guards the spools of this reader too. */
    public void watch(SpoolReader reader) {
        readers.add(reader);
    }

    /** Runs a raw write of bytes that would loop if they reached a captured fd. */
    public void write(IoAction action) throws java.io.IOException {
        run(null, action);
    }

    /** Runs a logger call for {@code line}; its echo must contain {@link #needle(String)}. */
    public void log(String line, Runnable action) {
        try {
            run(needle(line), action::run);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void run(byte[] needle, IoAction action) throws java.io.IOException {
        List<SpoolReader> all = readers;
        if (all.isEmpty()) {
            action.run();
            return;
        }
        long[] starts = new long[all.size()];
        for (int i = 0; i < starts.length; i++) {
            starts[i] = all.get(i).openWindow();
        }
        try {
            action.run();
        } finally {
            for (int i = 0; i < starts.length; i++) {
                all.get(i).closeWindow(starts[i], needle);
            }
        }
    }

    /**
     * What a logger's output for {@code line} surely contains, whatever its layout
     * escapes: the longest run of ASCII letters, digits and spaces, at most 32
     * bytes. Empty when there is none; then any output during the call is echo.
     */
    static byte[] needle(String line) {
        int bestFrom = 0;
        int bestLength = 0;
        int from = -1;
        for (int i = 0; i <= line.length(); i++) {
            char c = i < line.length() ? line.charAt(i) : '\0';
            boolean safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ';
            if (safe && from < 0) {
                from = i;
            } else if (!safe && from >= 0) {
                if (i - from > bestLength) {
                    bestFrom = from;
                    bestLength = i - from;
                }
                from = -1;
            }
        }
        String run = line.substring(bestFrom, bestFrom + Math.min(bestLength, 32)).strip();
        return run.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** A write that may fail like an OutputStream's. */
    @FunctionalInterface
    public interface IoAction {
        void run() throws java.io.IOException;
    }
}
