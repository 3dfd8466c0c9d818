package dev.fdcapture;

import dev.fdcapture.internal.posix.Errno;

/**
 * A capture failed: an operating-system call (the message names the call and
 * errno, for example {@code dup2(7, 1) failed: EBADF (Bad file descriptor)}), or
 * a sink threw while a redirection was active (the sink's exception is the
 * cause).
 */
public class CaptureException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The failed call, or null. */
    private final String call;
    /** The failed call's errno, or 0. */
    private final int errno;

    /**
     * A failure that is not an operating-system call's, such as a sink's.
     *
     * @param message what failed
     * @param cause   the failure, such as the sink's exception
     */
    public CaptureException(String message, Throwable cause) {
        super(message, cause);
        this.call = null;
        this.errno = 0;
    }

    /**
     * A failed operating-system call.
     *
     * @param call        the call as it was made, for example {@code dup2(7, 1)}
     * @param errno       the C library's errno after the call
     * @param description the C library's text for errno
     */
    public CaptureException(String call, int errno, String description) {
        super(call + " failed: " + Errno.name(errno) + " (" + description + ")");
        this.call = call;
        this.errno = errno;
    }

    /**
     * The failed call, such as {@code dup2(7, 1)}; null when no call failed.
     *
     * @return the call, or null
     */
    public String call() {
        return call;
    }

    /**
     * The errno of the failed call; 0 when no call failed.
     *
     * @return the errno, or 0
     */
    public int errno() {
        return errno;
    }
}
