package dev.fdcapture.examples;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;

/**
 * A service that loads native code and knows nothing of fdcapture: run it with
 * {@code -javaagent:fdcapture-agent.jar} (the README's command, or
 * {@code mvn -q -Pagent-demo verify -DskipTests}) and what its native code
 * prints arrives as log events, with level, logger and stream.
 */
public final class NativeService {
    private static final Logger LOG = LoggerFactory.getLogger(NativeService.class);

    /** The "native library": libc, through JNA. */
    private interface C extends Library {
        C LIBC = Native.load(Platform.C_LIBRARY_NAME, C.class);

        int puts(String s);

        long write(int fd, byte[] bytes, long count);
    }

    private NativeService() {
    }

    public static void main(String[] args) throws Exception {
        LOG.info("service starting");
        C.LIBC.puts("codec: initialised 4 decoder threads");
        byte[] warning = "codec: warning: falling back to software decoding\n".getBytes(StandardCharsets.UTF_8);
        C.LIBC.write(2, warning, warning.length);
        new ProcessBuilder("sh", "-c", "echo 'helper: converted 12 frames'").inheritIO().start().waitFor();
        LOG.info("service stopping");
        System.exit(0);
    }
}
