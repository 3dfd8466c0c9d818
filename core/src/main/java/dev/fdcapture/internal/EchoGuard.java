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
 * <p>A raw write (Java streams, {@code Sink.systemOut()}) claims exactly the
 * bytes it wrote, where they occur: a write to a regular file is contiguous, so
 * native output written at the same moment is left alone. A logger call whose
 * console output passes through such a write (logback follows
 * {@code System.out}) needs nothing more. One that writes to a stream it holds
 * (JUL's {@code ConsoleHandler}, log4j2's console appender) is only known by its
 * text, and by what the kernel says the calling thread wrote during the call
 * (see {@link #log}): <b>a native line never leaves its sink because of its text
 * alone</b>, only when the logging thread itself wrote a run of that size. Nothing
 * is lost either way: claimed echo goes to the original fd.
 */
public final class EchoGuard {
    /** Per thread: how many raw writes claimed echo, so an enclosing logger call knows. */
    private static final ThreadLocal<int[]> EXACT_CLAIMS = new ThreadLocal<>(); // see claims()

    private final List<EchoLedger> readers = new CopyOnWriteArrayList<>();

    /** Guards the spools of this reader too. */
    public void watch(SpoolReader reader) {
        readers.add(reader.ledger());
    }

    /** Runs a raw write of {@code bytes[offset, offset + length)}, which would loop if they reached a captured fd. */
    public void write(byte[] bytes, int offset, int length, IoAction action) throws java.io.IOException {
        List<EchoLedger> all = readers;
        if (all.isEmpty() || length == 0) {
            action.run();
            return;
        }
        byte[] exact = java.util.Arrays.copyOfRange(bytes, offset, offset + length);
        long[] starts = open(all);
        boolean claimed = false;
        try {
            action.run();
        } finally {
            for (int i = 0; i < starts.length; i++) {
                claimed |= all.get(i).closeWindow(starts[i], exact, null);
            }
            if (claimed) {
                claims()[0]++;
            }
        }
    }

    /**
     * Runs a logger call for {@code line}. If its console output went through one
     * of our own streams, that write claimed its exact bytes already. Otherwise
     * (a console handler holding the original stream) the call's echo can only be
     * recognised by its text, <b>and only what the calling thread itself wrote
     * can be its echo</b>: the kernel counts each thread's write calls and bytes
     * ({@link ThreadWrites}). A call that wrote nothing (a file appender that
     * buffers, an async appender, a level that is off) claims nothing, whatever
     * native output appeared meanwhile; a call that made one write of {@code n}
     * bytes claims one run of whole lines of exactly {@code n} bytes containing
     * {@link #needle(String)} of the line, which a file appender's write, going
     * elsewhere, does not leave in the spool; a call that made several writes
     * claims the lines up to and including the text's line, at most as many
     * bytes as it wrote. Where the counters cannot be read (no {@code /proc}),
     * whatever was appended during the call up to the end of the text's line is
     * taken as echo, as before.
     */
    public void log(String line, Runnable action) {
        List<EchoLedger> all = readers;
        if (all.isEmpty()) {
            action.run();
            return;
        }
        int[] claims = claims();
        int before = claims[0];
        ThreadWrites kept = SpoolReader.threadWrites();
        ThreadWrites writes = kept != null ? kept : ThreadWrites.open();
        long[] w0 = new long[2];
        long[] starts = open(all);
        boolean counted = writes.sinceLast(w0);
        try {
            action.run();
        } finally {
            try {
                long[] w1 = new long[2];
                boolean recounted = counted && writes.sample(w1);
                if (recounted) {
                    writes.keep(w1);
                }
                EchoLedger.TextEcho echo = null;
                if (claims[0] == before) {
                    echo = recounted
                            ? EchoLedger.TextEcho.of(line, w1[0] - w0[0], w1[1] - w0[1])
                            : EchoLedger.TextEcho.of(line, -1, -1);
                }
                boolean claimed = false;
                for (int i = 0; i < starts.length; i++) {
                    claimed |= all.get(i).closeWindow(starts[i], null, echo);
                }
                if (claimed || claims[0] != before) {
                    writes.wroteSince(); // forwarding the echo wrote to the original fd
                }
            } finally {
                if (kept == null) {
                    writes.close();
                }
            }
        }
    }

    /** This thread's claim counter; not ThreadLocal.withInitial, whose lambda is spun at the first start. */
    private static int[] claims() {
        int[] claims = EXACT_CLAIMS.get();
        if (claims == null) {
            claims = new int[1];
            EXACT_CLAIMS.set(claims);
        }
        return claims;
    }

    private static long[] open(List<EchoLedger> all) {
        long[] starts = new long[all.size()];
        for (int i = 0; i < starts.length; i++) {
            starts[i] = all.get(i).openWindow();
        }
        return starts;
    }

    /**
     * What a logger's output for {@code line} surely contains, whatever its layout
     * escapes: the longest run of ASCII letters, digits and spaces, trimmed. It
     * must occur as a whole (see SpoolReader#findToken). Empty when there is none;
     * then any output during the call is echo.
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
        String run = line.substring(bestFrom, bestFrom + bestLength).strip();
        return run.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** A write that may fail like an OutputStream's. */
    @FunctionalInterface
    public interface IoAction {
        void run() throws java.io.IOException;
    }
}
