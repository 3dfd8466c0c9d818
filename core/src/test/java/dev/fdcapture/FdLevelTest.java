package dev.fdcapture;

import dev.fdcapture.internal.FdTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The restore checks every fd-level test gets: after the test, whatever its body
 * did or threw, fd 1 and fd 2 refer to the same files as before (device and
 * inode), no redirection is left in the fd table, and no descriptor leaked.
 */
@Timeout(60)
abstract class FdLevelTest {
    private String stdout;
    private String stderr;
    private java.util.SortedMap<Integer, String> openFds;

    static {
        NativeWriters.warmUp();
    }

    @BeforeEach
    void rememberFds() {
        stdout = Fds.identity(1);
        stderr = Fds.identity(2);
        openFds = Fds.snapshot();
    }

    @AfterEach
    void fdsAreRestoredAndNoneLeaked() {
        assertEquals(0, FdTable.depth(1), "redirections of fd 1 left open");
        assertEquals(0, FdTable.depth(2), "redirections of fd 2 left open");
        assertEquals(stdout, Fds.identity(1), "fd 1 not restored");
        assertEquals(stderr, Fds.identity(2), "fd 2 not restored");
        assertEquals(openFds, Fds.snapshot(), "descriptors leaked or closed");
        long inotify = Fds.inotifyCount();
        long allowed = Fds.allowedInotify();
        assertTrue(inotify <= allowed, inotify + " inotify instances, at most " + allowed + " expected");
    }
}
