package dev.fdcapture.internal;

import dev.fdcapture.internal.posix.Libc;

/**
 * A file a redirection writes to: opened as {@code open(path, flags, 0666)}.
 *
 * @param path  absolute
 * @param flags {@code O_*} flags of open(2)
 */
public record FileTarget(String path, int flags) {
    /** Truncated or created, like a shell {@code >}; or appended to, like {@code >>}. */
    public static FileTarget file(String path, boolean append) {
        return new FileTarget(path,
                Libc.O_WRONLY | Libc.O_CREAT | Libc.O_CLOEXEC | (append ? Libc.O_APPEND : Libc.O_TRUNC));
    }

    /** {@code /dev/null}. */
    public static FileTarget devNull() {
        return new FileTarget("/dev/null", Libc.O_WRONLY | Libc.O_CLOEXEC);
    }

    /** A new close-on-exec descriptor for it. */
    int open() {
        return Libc.open(path, flags, 0666);
    }
}
