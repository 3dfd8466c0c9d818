package dev.fdcapture.slf4j;

import dev.fdcapture.JavaStreams;
import dev.fdcapture.NativeOutput;
import dev.fdcapture.Redirection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The child JVM of {@link Slf4jSinkTest}: real native writers (libc through FFM,
 * a shell child) routed through SLF4J to whichever backend the JVM was started with.
 */
public final class Slf4jChild {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle DPRINTF = LINKER.downcallHandle(
            LINKER.defaultLookup().find("dprintf").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle PRINTF = LINKER.downcallHandle(
            LINKER.defaultLookup().find("printf").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), Linker.Option.firstVariadicArg(1));

    private Slf4jChild() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "console" -> console(JavaStreams.valueOf(args[1]));
            case "exit" -> exit(Integer.parseInt(args[1]));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /**
     * Native lines into a console appender that writes to fd 1, the captured fd
     * itself. The writes are spaced out: a console appender that holds its stream
     * (log4j2's) is recognised by the text of its output, and native output written
     * during that very logger call would go to the terminal with it (documented).
     */
    private static void console(JavaStreams javaStreams) throws Exception {
        Logger log = LoggerFactory.getLogger("native");
        log.info("backend ready"); // the backend is configured before the capture starts
        try (Redirection r = NativeOutput.redirect()
                .stdout(Slf4jSink.of(log, Level.INFO))
                .stderr(Slf4jSink.of(log, Level.WARN))
                .javaStreams(javaStreams)
                .start()) {
            dprintf(1, "native out line\n");
            Thread.sleep(100);
            dprintf(2, "native err line\n");
            Thread.sleep(100);
            Process child = new ProcessBuilder("sh", "-c", "echo child out line; sleep 0.1; echo child err line >&2")
                    .inheritIO().start();
            if (child.waitFor() != 0) {
                throw new IllegalStateException("child failed");
            }
            Thread.sleep(100);
            dprintf(1, "braces {} stay\n");
        }
        log.info("finished");
    }

    /** install(), buffered stdio output, then System.exit: the shutdown hook delivers all of it. */
    private static void exit(int lines) throws Exception {
        NativeOutput.install(Slf4jSink.loggers());
        for (int i = 0; i < lines; i++) {
            printf("buffered line " + i + "\n"); // stays in stdio's 4 KiB buffer until flushed
            dprintf(2, "direct line " + i + "\n");
        }
        System.exit(0);
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

    private static void printf(String text) {
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) PRINTF.invokeExact(arena.allocateFrom("%s"), arena.allocateFrom(text));
            if (rc < 0) {
                throw new IllegalStateException("printf failed");
            }
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
