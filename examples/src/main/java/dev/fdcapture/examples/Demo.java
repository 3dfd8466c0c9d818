package dev.fdcapture.examples;

import dev.fdcapture.Captured;
import dev.fdcapture.NativeOutput;
import dev.fdcapture.Redirection;
import dev.fdcapture.Sink;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.util.ArrayList;
import java.util.List;


/**
 * What fdcapture does, in one run: native output that goes past System.out,
 * caught and shown.
 */
public final class Demo {
    /** The demo's own native code: libc, called through JNA so the demo runs on Java 17 too. */
    private interface C extends Library {
        C LIBC = Native.load(Platform.C_LIBRARY_NAME, C.class);

        int puts(String s);

        int dprintf(int fd, String format, Object... args);
    }

    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        NativeOutput.ensureSupported();

        System.out.println("1. libc puts() and a child process, captured per stream:");
        Captured c = NativeOutput.capture(() -> {
            puts("hello from libc puts()");
            dprintf(2, "a warning from libc, on fd 2\n");
            new ProcessBuilder("sh", "-c", "echo 'hello from a child process'; echo 'child error' >&2")
                    .inheritIO().start().waitFor();
        });
        System.out.println("   stdout: " + c.stdout().replace("\n", "\\n"));
        System.out.println("   stderr: " + c.stderr().replace("\n", "\\n"));
        System.out.println("   (puts() waited in C stdio's buffer, since fd 1 was not a terminal, until the");
        System.out.println("    capture flushed it at the end: hence the child's line comes first)");

        System.out.println("2. both streams merged, in the order they were written:");
        String merged = NativeOutput.captureMerged(() -> {
            for (int i = 0; i < 6; i++) {
                dprintf(i % 2 == 0 ? 1 : 2, (i % 2 == 0 ? "out " : "err ") + i + "\n");
            }
        });
        System.out.println("   " + merged.replace("\n", " | "));

        System.out.println("3. native lines into a Java callback, echoed to the terminal as they come:");
        List<String> lines = new ArrayList<>();
        try (Redirection r = NativeOutput.redirect()
                .stdout(Sink.tee(Sink.lines(lines::add), Sink.original()))
                .start()) {
            puts("   (native) line one");
            puts("");
            puts("   (native) line three, after a blank one");
        }
        System.out.println("   the callback got " + lines.size() + " lines: " + lines);

        System.out.println("4. silenced: nothing below this line comes from the native call");
        NativeOutput.silence(() -> puts("you should not see this"));
        System.out.println("done.");
    }

    private static void puts(String text) {
        if (C.LIBC.puts(text) < 0) {
            throw new IllegalStateException("puts failed");
        }
    }

    private static void dprintf(int fd, String text) {
        if (C.LIBC.dprintf(fd, "%s", text) < 0) {
            throw new IllegalStateException("dprintf failed");
        }
    }
}
