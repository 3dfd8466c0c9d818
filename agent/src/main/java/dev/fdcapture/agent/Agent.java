package dev.fdcapture.agent;

import dev.fdcapture.NativeOutput;
import dev.fdcapture.RedirectBuilder;

import java.lang.instrument.Instrumentation;

/**
 * The {@code -javaagent} entry point: from {@code premain}, before the
 * application's {@code main}, fd 1 and fd 2 are routed as the options say,
 * until the JVM exits, with no change to the application.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -javaagent:fdcapture-agent.jar[=OPTIONS] -jar app.jar
 * </pre>
 *
 * <p>{@code premain} does little and fails loudly: a wrong option ends the JVM
 * start with one line naming it and the valid ones; when capturing cannot work
 * here ({@link NativeOutput#isSupported()} is false) it prints one warning with
 * the cause and the application runs unchanged. The redirection is
 * {@link NativeOutput#install(RedirectBuilder) installed}, so an application that
 * uses fdcapture itself shares it, and its shutdown hook delivers everything
 * written before the JVM exits.
 */
public final class Agent {
    /** What every line the agent prints starts with. */
    static final String PREFIX = "fdcapture agent: ";

    private Agent() {
    }

    /**
     * Called by the JVM for {@code -javaagent:fdcapture-agent.jar[=options]}.
     *
     * @param args the options after {@code =}, comma-separated {@code key=value}; null or empty for the defaults
     * @param inst the JVM's instrumentation (not used)
     */
    public static void premain(String args, Instrumentation inst) {
        AgentOptions options;
        try {
            options = AgentOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(PREFIX + e.getMessage() + " (in -javaagent:...=" + args + "); the JVM does not start");
            System.exit(1);
            return;
        }
        start(options, inst);
    }

    private static void start(AgentOptions options, Instrumentation inst) {
        Route route = Route.plan(options, inst);
        // Read once, when java.util.logging initializes, so named before isSupported(): on
        // Java 17-21 that loads JNA, whose first class sets java.util.logging up.
        boolean manager = route.mayReachJul && System.getProperty("java.util.logging.manager") == null;
        if (manager) {
            System.setProperty("java.util.logging.manager", FdcaptureLogManager.class.getName());
        }
        if (!NativeOutput.isSupported()) {
            if (manager) {
                System.clearProperty("java.util.logging.manager"); // the application runs unchanged
            }
            warn("native output is not captured: " + NativeOutput.unsupportedCause().orElse("unsupported")
                    + "; the application runs unchanged");
            return;
        }
        for (String warning : route.warnings) {
            warn(warning);
        }
        ExitDrain drain = ExitDrain.expect(2);
        try {
            NativeOutput.install(route.builder(drain));
        } catch (RuntimeException e) {
            ExitDrain.cancel(drain);
            warn("native output is not captured: " + e + "; the application runs unchanged");
        }
    }

    /** One line on stderr: before the redirection the real fd 2; after it Java's own stream, which bypasses it. */
    static void warn(String message) {
        System.err.println(PREFIX + message);
    }

    /**
     * {@code java -jar fdcapture-agent.jar}: how to use it.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        System.out.print(usage());
    }

    static String usage() {
        return "fdcapture-agent: routes what native code writes to fd 1 and fd 2 of a JVM into its logs.\n"
                + "\n"
                + "Usage: java --enable-native-access=ALL-UNNAMED -javaagent:fdcapture-agent.jar[=OPTIONS] -jar app.jar\n"
                + "\n"
                + "OPTIONS, comma-separated key=value:\n"
                + "  to=logs           SLF4J if slf4j-api 2 and a provider are on the class path, else System.Logger"
                + " (default)\n"
                + "  to=slf4j          SLF4J, the stream as MDC/key-value native.stream\n"
                + "  to=jul            java.util.logging\n"
                + "  to=system-logger  System.Logger\n"
                + "  to=streams        fd 1 to System.out, fd 2 to System.err (IDE consoles, notebooks)\n"
                + "  stdout=LEVEL      level of fd 1 lines: TRACE, DEBUG, INFO (default), WARN, ERROR\n"
                + "  stderr=LEVEL      level of fd 2 lines (default WARN)\n"
                + "  logger=NAME       lines go to loggers NAME.stdout and NAME.stderr (default native)\n"
                + "\n"
                + "--enable-native-access=ALL-UNNAMED: the JVM does not honour Enable-Native-Access for agent jars;\n"
                + "without it, Java 24+ would warn, and with --illegal-native-access=deny refuse. On Java 17-21 put\n"
                + "JNA (net.java.dev.jna:jna) on the class path.\n";
    }
}
