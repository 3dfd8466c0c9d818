package dev.fdcapture.examples;

import dev.fdcapture.Captured;
import dev.fdcapture.NativeOutput;
import dev.fdcapture.Redirection;
import dev.fdcapture.Sink;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * What fdcapture does, in one run: native output that goes past System.out,
 * caught and shown.
 */
public final class Demo {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle PUTS = LINKER.downcallHandle(
            LINKER.defaultLookup().find("puts").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle DPRINTF = LINKER.downcallHandle(
            LINKER.defaultLookup().find("dprintf").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), Linker.Option.firstVariadicArg(2));

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
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) PUTS.invokeExact(arena.allocateFrom(text));
            if (rc < 0) {
                throw new IllegalStateException("puts failed");
            }
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static void dprintf(int fd, String text) {
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) DPRINTF.invokeExact(fd, arena.allocateFrom("%s"), arena.allocateFrom(text));
            if (rc < 0) {
                throw new IllegalStateException("dprintf failed");
            }
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
