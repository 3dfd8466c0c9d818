package dev.fdcapture.internal;

import dev.fdcapture.internal.posix.Libc;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/** The outlets the public sinks compile to. */
public final class Outlets {
    private Outlets() {
    }

    /**
     * Isolates a sink: its first exception is recorded and the sink is skipped
     * from then on, so the reader keeps draining and writers never wait on a
     * dead sink.
     */
    public static Outlet guarded(Outlet delegate, Failures failures) {
        return new Outlet() {
            private boolean dead;

            @Override
            public void write(Chunk chunk) {
                if (dead) {
                    return;
                }
                try {
                    delegate.write(chunk);
                } catch (Throwable t) {
                    dead = true;
                    failures.record(t);
                }
            }

            @Override
            public void finish() {
                if (dead) {
                    return;
                }
                try {
                    delegate.finish();
                } catch (Throwable t) {
                    dead = true;
                    failures.record(t);
                }
            }
        };
    }

    /** Every outlet in turn, beating {@code progress} after each. */
    static Outlet tee(List<Outlet> outlets, Progress progress) {
        Outlet[] all = outlets.toArray(Outlet[]::new);
        return new Outlet() {
            @Override
            public void write(Chunk chunk) throws Exception {
                for (Outlet o : all) {
                    o.write(chunk);
                    progress.beat();
                }
            }

            @Override
            public void finish() throws Exception {
                for (Outlet o : all) {
                    o.finish();
                    progress.beat();
                }
            }
        };
    }

    /** Writes straight from native memory to {@code fd}; closes it at finish if {@code owned}. */
    public static Outlet fd(int fd, boolean owned) {
        return new Outlet() {
            @Override
            public void write(Chunk chunk) {
                Libc.writeFully(fd, chunk.nativeCopy(), chunk.length());
            }

            @Override
            public void finish() {
                if (owned) {
                    Libc.close(fd);
                }
            }
        };
    }

    /** Writes to where the fd pointed before; a destination that is gone stops quietly (see {@link OriginalFd}). */
    static Outlet original(OriginalFd original) {
        return new Outlet() {
            @Override
            public void write(Chunk chunk) {
                original.write(chunk.nativeCopy(), chunk.length());
            }
        };
    }

    /** Every chunk's bytes to {@code sink}. */
    static Outlet bytes(Delivery.ByteSink sink) {
        return new Outlet() {
            @Override
            public void write(Chunk chunk) {
                sink.accept(chunk.array(), 0, chunk.length());
            }
        };
    }

    /** Raw bytes into a stream, flushed (not closed) at the end. */
    public static Outlet stream(OutputStream out) {
        return new Outlet() {
            @Override
            public void write(Chunk chunk) throws Exception {
                out.write(chunk.array(), 0, chunk.length());
            }

            @Override
            public void finish() throws Exception {
                out.flush();
            }
        };
    }

    /**
     * Raw bytes into a filter's stream, which is closed at the end; then
     * {@code original} refuses writes, before the saved descriptor it writes to is
     * closed.
     */
    public static Outlet filter(OutputStream out, OriginalStream original) {
        return new Outlet() {
            @Override
            public void write(Chunk chunk) throws Exception {
                out.write(chunk.array(), 0, chunk.length());
            }

            @Override
            public void finish() throws Exception {
                try {
                    out.close();
                } finally {
                    original.end();
                }
            }
        };
    }

    /**
     * The saved original descriptor as a stream, for filters: safe from any
     * thread, and closed for writing (not the descriptor) when the filter ends, so
     * that a late write can never reach a descriptor number that was reused.
     */
    public static final class OriginalStream extends OutputStream {
        private final OriginalFd original;
        private boolean ended;

        OriginalStream(OriginalFd original) {
            this.original = original;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            if (ended) {
                throw new IOException("the redirection has ended: its original descriptor is closed");
            }
            original.write(b, off, len); // a destination that is gone stops quietly, as for original()
        }

        synchronized void end() {
            ended = true;
        }

        @Override
        public String toString() {
            return "the original of fd " + original.fd();
        }
    }

    /**
     * Raw bytes to whatever {@code System.out} (or {@code System.err}) is at each
     * write, past any bypass of ours, inside an echo window.
     */
    public static Outlet javaStream(boolean err, EchoGuard guard, Failures failures) {
        return new Outlet() {
            /** A stream found in error: skipped until System.out (or err) is another one. */
            private java.io.PrintStream broken;

            @Override
            public void write(Chunk chunk) throws Exception {
                java.io.PrintStream target = JavaStreamBypass.unwrap(err ? System.err : System.out);
                if (target == broken) {
                    return;
                }
                byte[] bytes = chunk.array();
                int length = chunk.length();
                guard.write(bytes, 0, length, () -> {
                    target.write(bytes, 0, length);
                    target.flush();
                });
                // A PrintStream never throws; its destination may be gone all the same
                // (java App | head -1): stop this branch quietly, like OriginalFd does.
                if (target.checkError()) {
                    broken = target;
                    failures.warn("fdcapture stopped writing to System." + (err ? "err" : "out")
                            + ", which is in error (its destination may be gone); the other sinks go on");
                }
            }
        };
    }

    /** Lines, split and decoded by {@code splitter}. */
    public static Outlet lines(LineSplitter splitter) {
        return new Outlet() {
            @Override
            public void write(Chunk chunk) {
                splitter.accept(chunk.array(), 0, chunk.length());
            }

            @Override
            public void finish() {
                splitter.finish();
            }
        };
    }
}
