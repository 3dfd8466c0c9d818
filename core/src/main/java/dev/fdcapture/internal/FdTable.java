package dev.fdcapture.internal;

import dev.fdcapture.CaptureException;
import dev.fdcapture.internal.posix.Errno;
import dev.fdcapture.internal.posix.Libc;

import java.util.ArrayList;
import java.util.List;

/**
 * The process-wide record of who redirected fd 1 and fd 2, so redirections can
 * nest and be closed in any order.
 *
 * <p>Each fd has a stack of bindings; the fd points at the top one's target.
 * A binding's {@code saved} descriptor refers to what the fd pointed at just
 * before it. Closing the top binding moves {@code saved} back onto the fd;
 * closing one below the top moves it onto the {@code saved} of the binding just
 * above instead, so that one now restores past the closed one. Either way the
 * fd ends up where the remaining live bindings say, and after the last one it is
 * the original again. A {@code dup2} onto a descriptor number is atomic, so a
 * reader writing to a {@code saved} descriptor meanwhile writes to the old or
 * the new place, never to a closed one.
 */
public final class FdTable {
    private static final Object LOCK = new Object();
    @SuppressWarnings("unchecked")
    private static final List<Binding>[] STACKS = new List[] {null, new ArrayList<Binding>(), new ArrayList<Binding>()};

    private FdTable() {
    }

    /** One fd pointed somewhere by one redirection. */
    public static final class Binding {
        private final int fd;
        private final int saved;

        private Binding(int fd, int saved) {
            this.fd = fd;
            this.saved = saved;
        }

        public int fd() {
            return fd;
        }

        /** A close-on-exec descriptor for where {@link #fd()} pointed before this binding. */
        public int saved() {
            return saved;
        }
    }

    /**
     * Points each {@code fds[i]} at {@code targets[i]} (a target of -1 means "where
     * fd 1 points now", for 2&gt;&amp;1), all or nothing. Java's {@code System.out}
     * and {@code System.err} and every stdio buffer are flushed first, so output
     * written before goes where it was meant to go. The caller has checked each fd
     * with {@link #redirectable}.
     */
    public static Binding[] bind(int[] fds, int[] targets) {
        synchronized (LOCK) {
            flushAll();
            List<Binding> done = new ArrayList<>(fds.length);
            try {
                for (int i = 0; i < fds.length; i++) {
                    int fd = fds[i];
                    check(fd);
                    // The caller checked that fd is open for writing (redirectable), once: a
                    // second check here would cost a system call per fd on every start and
                    // still leave the same race at close. A descriptor closed since then
                    // fails the dup below (EBADF) and nothing is changed.
                    int saved = dupForBinding(fd);
                    Binding b = new Binding(fd, saved);
                    try {
                        Libc.dup2(targets[i] >= 0 ? targets[i] : 1, fd);
                    } catch (RuntimeException | Error e) {
                        Libc.closeAfterFailure(saved, e);
                        throw e;
                    }
                    STACKS[fd].add(b);
                    done.add(b);
                }
                return done.toArray(new Binding[0]);
            } catch (RuntimeException | Error e) {
                for (int i = done.size() - 1; i >= 0; i--) {
                    try {
                        unbindLocked(done.get(i));
                        Libc.close(done.get(i).saved);
                    } catch (RuntimeException | Error rollback) {
                        e.addSuppressed(rollback);
                    }
                }
                throw e;
            }
        }
    }

    /**
     * Takes the bindings out (in reverse order), after flushing Java's streams and
     * stdio so that what was written so far lands in the capture. Their
     * {@code saved} descriptors stay open for the caller to close once its
     * readers no longer write to them. Every binding is attempted; the first
     * failure is thrown with later ones suppressed.
     */
    public static void unbind(Binding[] bindings) {
        synchronized (LOCK) {
            flushAll();
            RuntimeException failure = null;
            for (int i = bindings.length - 1; i >= 0; i--) {
                try {
                    unbindLocked(bindings[i]);
                } catch (RuntimeException e) {
                    failure = Failures.chain(failure, e);
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
    }

    /**
     * Whether {@code fd} (1 or 2) may be redirected: it is open for writing. A JVM
     * started with fd 1 or fd 2 closed ({@code >&-}) opens its own files at the
     * lowest free numbers, the modules image or a jar, read-only: replacing one
     * of those breaks class loading or crashes the JVM (HAZARDS.md item 10). A
     * redirection leaves such a descriptor alone. (A closed fd is refused too:
     * the JVM may open a file there at any moment, and a dup2 onto it would
     * silently close that file.)
     */
    public static boolean redirectable(int fd) {
        check(fd);
        return Libc.openForWriting(fd);
    }

    /** How many live bindings {@code fd} has, for tests and diagnostics. */
    public static int depth(int fd) {
        check(fd);
        synchronized (LOCK) {
            return STACKS[fd].size();
        }
    }

    private static void unbindLocked(Binding b) {
        List<Binding> stack = STACKS[b.fd];
        int at = stack.indexOf(b);
        if (at < 0) {
            return;
        }
        int target = at == stack.size() - 1 ? b.fd : stack.get(at + 1).saved;
        try {
            Libc.dup2(b.saved, target);
        } catch (RuntimeException first) {
            // Putting the fd back is the one thing close() must not leave undone: try
            // once more (a dup2 onto our own descriptors has no lasting reason to
            // fail), and report the failure either way.
            try {
                Libc.dup2(b.saved, target);
            } catch (RuntimeException again) {
                first.addSuppressed(again);
                throw first;
            }
            stack.remove(at);
            throw first;
        }
        stack.remove(at);
    }

    private static int dupForBinding(int fd) {
        try {
            return Libc.dupCloexec(fd);
        } catch (CaptureException e) {
            if (e.errno() != Errno.EBADF) {
                throw e;
            }
            throw Libc.failure("fcntl(" + fd + ", F_DUPFD_CLOEXEC, 3)", Errno.EBADF, "; fd " + fd
                    + " was closed since start() began, and fdcapture never replaces a descriptor"
                    + " that is not a stdout or stderr");
        }
    }

    /**
     * Every stdio stream, not just stdout and stderr: a stream of the program's own
     * on fd 1 must not leak its buffer past the switch. This is the one place for
     * {@code fflush(NULL)}, once per start and close: against a {@code dprintf}
     * running on another thread at that very moment glibc may write that line
     * twice (see {@link Libc#flushStdStreams()}); the periodic flush, which runs
     * all the time, never does ({@link Flusher}).
     */
    private static void flushAll() {
        System.out.flush();
        System.err.flush();
        Libc.flushAll();
    }

    private static void check(int fd) {
        if (fd != 1 && fd != 2) {
            throw new IllegalArgumentException("only fd 1 and fd 2 can be redirected: " + fd);
        }
    }
}
