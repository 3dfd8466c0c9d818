package dev.fdcapture.agent;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Starts a fixture application in a child JVM with the real agent jar (the one
 * {@code package} built, passed in as {@code agent.jar}), its real fd 1 and fd 2
 * sent to files, and waits for it with a deadline: a hang is a failure with the
 * child's output attached, never a stuck build.
 */
final class AgentJvm {
    /** Libraries the fixtures may have on their class path, by file name; never fdcapture's own. */
    enum Lib {
        JNA("jna-"), SLF4J("slf4j-api-"), LOGBACK("logback-"), JUL_TO_SLF4J("jul-to-slf4j-"),
        LOG4J("log4j-");

        private final String prefix;

        Lib(String prefix) {
            this.prefix = prefix;
        }
    }

    private final List<String> jvmArgs = new ArrayList<>();
    private final List<String> classPath = new ArrayList<>();
    private String java = ProcessHandle.current().info().command().orElseThrow();
    private String agentOptions;
    private boolean agent = true;
    private boolean nativeAccess = true;
    private String mainClass = "fixture.NativeApp";
    private final List<String> args = new ArrayList<>();

    private AgentJvm() {
    }

    /** A child with the fixture classes and {@code libs} on its class path. */
    static AgentJvm with(Lib... libs) {
        AgentJvm j = new AgentJvm();
        j.classPath.add(testClasses());
        j.classPath.addAll(jars(libs));
        return j;
    }

    AgentJvm options(String options) {
        this.agentOptions = options;
        return this;
    }

    AgentJvm withoutAgent() {
        this.agent = false;
        return this;
    }

    AgentJvm withoutNativeAccess() {
        this.nativeAccess = false;
        return this;
    }

    AgentJvm java(String javaCommand) {
        this.java = javaCommand;
        return this;
    }

    AgentJvm jvm(String... more) {
        jvmArgs.addAll(Arrays.asList(more));
        return this;
    }

    AgentJvm main(String className) {
        this.mainClass = className;
        return this;
    }

    AgentJvm args(String... more) {
        args.addAll(Arrays.asList(more));
        return this;
    }

    /** What the child did: its exit code and what reached its real fd 1 and fd 2. */
    record Result(int exit, String stdout, String stderr, List<String> command) {
        @Override
        public String toString() {
            return "exit " + exit + " of " + String.join(" ", command) + "\n--- real stdout ---\n" + stdout
                    + "\n--- real stderr ---\n" + stderr;
        }
    }

    Result run(Path dir) throws IOException, InterruptedException {
        return run(dir, Duration.ofSeconds(60));
    }

    Result run(Path dir, Duration deadline) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(java);
        if (nativeAccess) {
            command.add("--enable-native-access=ALL-UNNAMED");
        }
        if (agent) {
            command.add("-javaagent:" + agentJar() + (agentOptions == null ? "" : "=" + agentOptions));
        }
        command.addAll(jvmArgs);
        if (!mainClass.isEmpty()) {
            command.add("-cp");
            command.add(String.join(File.pathSeparator, classPath));
            command.add(mainClass);
        }
        command.addAll(args);
        Files.createDirectories(dir);
        Path out = dir.resolve("child.out");
        Path err = dir.resolve("child.err");
        Files.writeString(dir.resolve("command.txt"), String.join(" ", command));
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
            new ProcessBuilder("kill", "-3", Long.toString(p.pid())).start().waitFor(5, TimeUnit.SECONDS);
            Thread.sleep(500);
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("the child JVM did not finish within " + deadline + ": "
                    + new Result(-1, Files.readString(out), Files.readString(err), command));
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8), command);
    }

    static Path agentJar() {
        Path jar = Path.of(System.getProperty("agent.jar", "target/fdcapture-agent.jar"));
        if (!Files.isRegularFile(jar)) {
            fail("no agent jar at " + jar + ": these tests run after `package` (mvn verify)");
        }
        return jar;
    }

    /** The fixture classes: this module's test classes (they hold no fdcapture class). */
    static String testClasses() {
        return Path.of("target", "test-classes").toAbsolutePath().toString();
    }

    /** The jars of {@code libs} from this JVM's class path, where Maven put the test dependencies. */
    static List<String> jars(Lib... libs) {
        List<String> all = Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator));
        List<String> picked = new ArrayList<>();
        for (Lib lib : libs) {
            List<String> found = all.stream()
                    .filter(e -> Path.of(e).getFileName().toString().startsWith(lib.prefix) && e.endsWith(".jar"))
                    .collect(Collectors.toList());
            if (found.isEmpty()) {
                fail("no " + lib + " jar on the test class path");
            }
            picked.addAll(found);
        }
        return picked;
    }

    /** A Java 17 next to this one, for the JNA backend, or null. */
    static String java17() {
        for (String dir : List.of("/usr/lib/jvm/java-17-openjdk-amd64", "/usr/lib/jvm/java-17-openjdk-arm64",
                "/usr/lib/jvm/temurin-17-jdk-amd64")) {
            Path java = Path.of(dir, "bin", "java");
            if (Files.isExecutable(java)) {
                return java.toString();
            }
        }
        return null;
    }
}
