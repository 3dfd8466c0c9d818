package dev.fdcapture;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Starts {@link HazardChild} in a separate JVM (the same {@code java} as this
 * one) with the core classes and the test classes on the class path, waits for
 * it with a deadline, and kills it if it does not finish: a JVM deadlock is a
 * failure with the child's output attached, never a stuck build.
 */
final class ChildJvm {
    private ChildJvm() {
    }

    /** What a child did: exit code, its real stdout and stderr, and the {@code RESULT} lines. */
    record Result(int exitCode, String stdout, String stderr, Duration elapsed) {
        Map<String, String> results() {
            Map<String, String> map = new LinkedHashMap<>();
            for (String line : stdout.split("\n")) {
                if (line.startsWith("RESULT ")) {
                    int eq = line.indexOf('=');
                    map.put(line.substring(7, eq), line.substring(eq + 1));
                }
            }
            return map;
        }

        String get(String key) {
            String v = results().get(key);
            if (v == null) {
                fail("the child reported no " + key + "\n" + this);
            }
            return v;
        }

        long getLong(String key) {
            return Long.parseLong(get(key));
        }

        @Override
        public String toString() {
            return "exit code " + exitCode + " after " + elapsed.toMillis() + " ms\n--- stdout (tail) ---\n"
                    + tail(stdout) + "\n--- stderr (tail) ---\n" + tail(stderr);
        }

        private static String tail(String s) {
            return s.length() <= 4000 ? s : "..." + s.substring(s.length() - 4000);
        }
    }

    static Result run(Path workDir, Duration deadline, List<String> jvmArgs, String... mainArgs)
            throws IOException, InterruptedException {
        return runMain(workDir, deadline, jvmArgs, HazardChild.class.getName(), mainArgs);
    }

    /** Runs {@code mainClass} instead of HazardChild; {@code jvmArgs} may bring their own class and module path. */
    static Result runMain(Path workDir, Duration deadline, List<String> jvmArgs, String mainClass, String... mainArgs)
            throws IOException, InterruptedException {
        return run(workDir, deadline, command(jvmArgs, mainClass, mainArgs));
    }

    /** The command that runs {@code main} in a child JVM: this JVM's {@code java}, the class path of {@link #classPath()}. */
    static List<String> command(List<String> jvmArgs, Class<?> main, String... mainArgs) {
        return command(jvmArgs, main.getName(), mainArgs);
    }

    private static List<String> command(List<String> jvmArgs, String mainClass, String... mainArgs) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        String backend = System.getProperty("dev.fdcapture.backend");
        if (backend != null && jvmArgs.stream().noneMatch(a -> a.startsWith("-Ddev.fdcapture.backend="))) {
            command.add("-Ddev.fdcapture.backend=" + backend); // the child runs on the backend under test
        }
        command.addAll(jvmArgs);
        if (!command.contains("-cp")) {
            command.add("-cp");
            command.add(classPath());
        }
        command.add(mainClass);
        command.addAll(List.of(mainArgs));
        return command;
    }

    /**
     * {@code command} run by {@code sh -c script}, where the script ends in
     * {@code exec "$@"} plus whatever the script says (for example
     * {@code exec "$@" >&-}, a JVM started with fd 1 closed).
     */
    static List<String> inShell(String script, List<String> command) {
        List<String> wrapped = new ArrayList<>(List.of("sh", "-c", script, "sh"));
        wrapped.addAll(command);
        return wrapped;
    }

    /** Runs {@code command} with stdin from /dev/null and stdout/stderr into files, within {@code deadline}. */
    static Result run(Path workDir, Duration deadline, List<String> command) throws IOException, InterruptedException {
        File out = workDir.resolve("child.out").toFile();
        File err = workDir.resolve("child.err").toFile();
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out)
                .redirectError(err)
                .start();
        boolean exited = p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS);
        Duration elapsed = Duration.ofNanos(System.nanoTime() - t0);
        if (!exited) {
            // A thread dump of the hung child would go into the same file; take it, then kill.
            new ProcessBuilder("kill", "-3", Long.toString(p.pid())).start().waitFor(5, TimeUnit.SECONDS);
            Thread.sleep(1000);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            fail("the child JVM did not finish within " + deadline + " (deadlock?): " + String.join(" ", command)
                    + "\n" + new Result(-1, read(out), read(err), elapsed));
        }
        return new Result(p.exitValue(), read(out), read(err), elapsed);
    }

    /** The {@code RESULT key=value} lines of a file a child wrote them to (see {@link HostileChild}). */
    static Map<String, String> results(Path file) throws IOException {
        Map<String, String> map = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return map;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.startsWith("RESULT ")) {
                int eq = line.indexOf('=');
                map.put(line.substring(7, eq), line.substring(eq + 1));
            }
        }
        return map;
    }

    /** core/target/classes, core/target/test-classes and JNA, wherever this JVM loaded them from. */
    static String classPath() {
        return classPathWithoutJna() + File.pathSeparator + location(com.sun.jna.Native.class);
    }

    /** The same without JNA: a user on Java 17-21 who did not add it. */
    static String classPathWithoutJna() {
        return location(NativeOutput.class) + File.pathSeparator + location(HazardChild.class);
    }

    static String location(Class<?> c) {
        // A class file's own URL, not its CodeSource: classes patched into a module
        // report the module's location, which is the main classes directory.
        String resource = c.getName().replace('.', '/') + ".class";
        URL url = c.getClassLoader().getResource(resource);
        if (url == null || !url.getProtocol().equals("file")) {
            try {
                return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        String path = url.getPath();
        return path.substring(0, path.length() - resource.length());
    }

    private static String read(File f) throws IOException {
        return new String(Files.readAllBytes(f.toPath()), StandardCharsets.UTF_8);
    }
}
