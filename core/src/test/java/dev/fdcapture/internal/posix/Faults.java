package dev.fdcapture.internal.posix;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Fault injection for issue 7 point 10, the way SQLite proves its I/O paths: a
 * decorator of the raw {@link Posix} interface, interposed under {@link Libc}
 * for one action, that sees every native call the calling thread makes and can
 * make the n-th of them fail once, the way that call fails on Linux. Calls of
 * other threads (readers, the dispatcher) pass through untouched.
 */
public final class Faults {
    private Faults() {
    }

    /** One native call as the decorator saw it: its name and arguments, for messages. */
    public record Call(String name, String args) {
        @Override
        public String toString() {
            return name + "(" + args + ")";
        }
    }

    /** What an action did when the n-th call failed: the call that failed (null if there were fewer). */
    public record Outcome<T>(Call failed, int errno, T value, Throwable thrown) {
    }

    /** The native calls {@code action} makes on this thread, in order. */
    public static List<Call> record(Callable<?> action) throws Exception {
        Decorator d = new Decorator(Thread.currentThread(), -1);
        Posix previous = Libc.interpose(d);
        try {
            action.call();
        } finally {
            Libc.interpose(previous);
        }
        return d.calls;
    }

    /** Runs {@code action} with the {@code n}-th native call of this thread (0-based) failing once. */
    public static <T> Outcome<T> failNth(int n, Callable<T> action) {
        Decorator d = new Decorator(Thread.currentThread(), n);
        Posix previous = Libc.interpose(d);
        T value = null;
        Throwable thrown = null;
        try {
            value = action.call();
        } catch (Throwable t) {
            thrown = t;
        } finally {
            Libc.interpose(previous);
        }
        return new Outcome<>(d.failed, d.failedErrno, value, thrown);
    }

    /**
     * The errno a call fails with, as fits the call on Linux: out of descriptors
     * where one is made, out of memory for inotify watches and memfds' pages,
     * a bad descriptor for dup2 and fcntl, an I/O error for close (which still
     * releases the descriptor), EINTR where the call can be interrupted.
     */
    static int errnoFor(String name, int cmd) {
        switch (name) {
            case "open":
            case "memfd_create":
            case "inotify_init1":
                return Errno.EMFILE;
            case "inotify_add_watch":
            case "fallocate":
                return Errno.ENOMEM;
            case "fcntl":
                return cmd == Libc.F_DUPFD_CLOEXEC ? Errno.EMFILE : Errno.EBADF;
            case "fcntl(lock)":
                return Errno.ENOLCK;
            case "close":
                return Errno.EIO;
            case "write":
            case "read":
            case "pread":
                return Errno.EINTR;
            case "fchmod":
                return Errno.EPERM;
            default:
                return Errno.EBADF; // dup2, lseek, inotify_rm_watch, fflush
        }
    }

    private static final class Decorator implements Posix {
        private final Posix real = Libc.nativeCalls();
        private final Thread thread;
        private final int failAt;
        final List<Call> calls = new ArrayList<>();
        Call failed;
        int failedErrno;

        Decorator(Thread thread, int failAt) {
            this.thread = thread;
            this.failAt = failAt;
        }

        /** Returns the errno to fail with, or 0 to make the real call. */
        private int next(String name, int cmd, Object... args) {
            if (Thread.currentThread() != thread) {
                return 0;
            }
            StringBuilder sb = new StringBuilder();
            for (Object a : args) {
                sb.append(sb.length() == 0 ? "" : ", ").append(a);
            }
            Call call = new Call(name, sb.toString());
            int index = calls.size();
            calls.add(call);
            if (index != failAt) {
                return 0;
            }
            failed = call;
            failedErrno = errnoFor(name, cmd);
            return failedErrno;
        }

        @Override
        public String name() {
            return real.name();
        }

        @Override
        public NativeBuffer allocate(int bytes) {
            return real.allocate(bytes);
        }

        @Override
        public long write(int fd, long buf, long count) {
            int e = next("write", 0, fd, count);
            return e != 0 ? -e : real.write(fd, buf, count);
        }

        @Override
        public long read(int fd, long buf, long count) {
            int e = next("read", 0, fd, count);
            return e != 0 ? -e : real.read(fd, buf, count);
        }

        @Override
        public long pread(int fd, long buf, long count, long offset) {
            int e = next("pread", 0, fd, count, offset);
            return e != 0 ? -e : real.pread(fd, buf, count, offset);
        }

        @Override
        public long preadArray(int fd, byte[] array, int count, long offset) {
            int e = next("pread", 0, fd, count, offset);
            return e != 0 ? -e : real.preadArray(fd, array, count, offset);
        }

        @Override
        public int close(int fd) {
            int e = next("close", 0, fd);
            int rc = real.close(fd); // Linux releases the descriptor whatever close reports
            return e != 0 ? -e : rc;
        }

        @Override
        public int dup2(int oldfd, int newfd) {
            int e = next("dup2", 0, oldfd, newfd);
            return e != 0 ? -e : real.dup2(oldfd, newfd);
        }

        @Override
        public int fcntl(int fd, int cmd, int arg) {
            int e = next("fcntl", cmd, fd, cmd, arg);
            return e != 0 ? -e : real.fcntl(fd, cmd, arg);
        }

        @Override
        public int fcntlPointer(int fd, int cmd, long arg) {
            int e = next("fcntl(lock)", cmd, fd, cmd);
            return e != 0 ? -e : real.fcntlPointer(fd, cmd, arg);
        }

        @Override
        public int open(String path, int flags, int mode) {
            int e = next("open", 0, path, flags);
            return e != 0 ? -e : real.open(path, flags, mode);
        }

        @Override
        public int memfdCreate(String name, int flags) {
            int e = next("memfd_create", 0, name, flags);
            return e != 0 ? -e : real.memfdCreate(name, flags);
        }

        @Override
        public int inotifyInit1(int flags) {
            int e = next("inotify_init1", 0, flags);
            return e != 0 ? -e : real.inotifyInit1(flags);
        }

        @Override
        public int inotifyAddWatch(int fd, String path, int mask) {
            int e = next("inotify_add_watch", 0, fd, path, mask);
            return e != 0 ? -e : real.inotifyAddWatch(fd, path, mask);
        }

        @Override
        public int inotifyRmWatch(int fd, int wd) {
            int e = next("inotify_rm_watch", 0, fd, wd);
            return e != 0 ? -e : real.inotifyRmWatch(fd, wd);
        }

        @Override
        public int fallocate(int fd, int mode, long offset, long len) {
            int e = next("fallocate", 0, fd, mode, offset, len);
            return e != 0 ? -e : real.fallocate(fd, mode, offset, len);
        }

        @Override
        public long lseek(int fd, long offset, int whence) {
            int e = next("lseek", 0, fd, offset, whence);
            return e != 0 ? -e : real.lseek(fd, offset, whence);
        }

        @Override
        public int fchmod(int fd, int mode) {
            int e = next("fchmod", 0, fd, mode);
            return e != 0 ? -e : real.fchmod(fd, mode);
        }

        @Override
        public int fflushAll() {
            int e = next("fflush", 0, "NULL");
            return e != 0 ? -e : real.fflushAll();
        }

        @Override
        public int fflushStdStreams() {
            int e = next("fflush", 0, "stdout, stderr");
            return e != 0 ? -e : real.fflushStdStreams();
        }

        @Override
        public String strerror(int errno) {
            return real.strerror(errno);
        }
    }
}
