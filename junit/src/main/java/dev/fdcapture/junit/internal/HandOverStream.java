package dev.fdcapture.junit.internal;

import java.io.IOException;
import java.io.OutputStream;

/**
 * What a capture's {@code System.out} writes to: the fd itself while the capture
 * lasts, then, once it ended, the stream that was {@code System.out} before, for
 * anyone still holding the capture's stream. Without the hand-over such a late
 * print would go raw onto the restored fd 1, which under Surefire's default
 * channel is Maven's pipe ("Corrupted channel").
 */
final class HandOverStream extends OutputStream {
    private final OutputStream fd;
    private volatile OutputStream after;

    HandOverStream(OutputStream fd) {
        this.fd = fd;
    }

    /** From now on, writes go to {@code stream}. */
    void handOver(OutputStream stream) {
        after = stream;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        OutputStream a = after;
        (a != null ? a : fd).write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
        OutputStream a = after;
        if (a != null) {
            a.flush();
        }
    }
}
