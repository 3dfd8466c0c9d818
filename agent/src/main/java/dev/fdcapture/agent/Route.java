package dev.fdcapture.agent;

import dev.fdcapture.JavaStreams;
import dev.fdcapture.NativeOutput;
import dev.fdcapture.RedirectBuilder;
import dev.fdcapture.Sink;

import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.LogManager;

/**
 * Where the agent sends fd 1 and fd 2, decided from the options and what is on
 * the class path, before anything is redirected: the destination actually used,
 * the warnings to print about it, and whether its lines may reach
 * {@code java.util.logging} (then the agent's {@link FdcaptureLogManager} is
 * needed).
 */
final class Route {
    /** The destination used: {@code to=logs} resolved to SLF4J or System.Logger. */
    final AgentOptions.Destination used;
    final boolean mayReachJul;
    final List<String> warnings;
    private final AgentOptions options;
    private final Instrumentation inst;
    /** Whether the agent's lines reached JUL: then its handlers are the agent's to close at exit, if no one else will. */
    private static volatile boolean julUsed;
    /** to=logs found no SLF4J at all: say so if the application loads it in a loader of its own. */
    private final boolean watchForNestedSlf4j;

    private Route(AgentOptions options, Instrumentation inst, AgentOptions.Destination used, List<String> warnings,
                  boolean watchForNestedSlf4j) {
        this.options = options;
        this.inst = inst;
        this.used = used;
        this.warnings = List.copyOf(warnings);
        this.watchForNestedSlf4j = watchForNestedSlf4j;
        this.mayReachJul = used == AgentOptions.Destination.JUL || used == AgentOptions.Destination.SYSTEM_LOGGER;
    }

    static Route plan(AgentOptions options, Instrumentation inst) {
        List<String> warnings = new ArrayList<>();
        AgentOptions.Destination to = options.to();
        boolean watch = false;
        if (to == AgentOptions.Destination.LOGS || to == AgentOptions.Destination.SLF4J) {
            Slf4jPresence.Found found = Slf4jPresence.onClassPath();
            if (found == Slf4jPresence.Found.USABLE) {
                to = AgentOptions.Destination.SLF4J;
            } else {
                String why = null;
                switch (found) {
                    case VERSION_1:
                        why = "the class path has slf4j-api 1.x; fdcapture's SLF4J sink needs 2.x";
                        break;
                    case NO_PROVIDER:
                        why = "the class path has slf4j-api but no SLF4J provider (logback-classic, log4j-slf4j2-impl,"
                                + " ...), so SLF4J would discard every line";
                        break;
                    default:
                        watch = to == AgentOptions.Destination.LOGS;
                        if (to == AgentOptions.Destination.SLF4J) {
                            why = "slf4j-api is not on the class path at start (an application that loads it itself,"
                                    + " like a Spring Boot executable jar, cannot be reached from premain)";
                        }
                }
                if (why != null) {
                    warnings.add(why + "; native output goes to System.Logger (" + options.logger()
                            + ".stdout, " + options.logger() + ".stderr) instead");
                }
                to = AgentOptions.Destination.SYSTEM_LOGGER;
            }
        }
        String manager = System.getProperty("java.util.logging.manager");
        Route route = new Route(options, inst, to, warnings, watch);
        if (route.mayReachJul && manager != null && !manager.isEmpty()
                && !manager.equals(FdcaptureLogManager.class.getName())) {
            warnings.add(julNotDeferred("-Djava.util.logging.manager=" + manager));
            return new Route(options, inst, to, warnings, watch);
        }
        return route;
    }

    static String julNotDeferred(String because) {
        return "java.util.logging runs with " + because + ", not the agent's manager: JUL closes its handlers"
                + " at exit while the agent still delivers, so native lines written just before System.exit may"
                + " be missing from java.util.logging handlers";
    }

    /** The redirection: both fds, Java's own prints left where they went, each fd teed with its drain marker. */
    RedirectBuilder builder(ExitDrain drain) {
        Sink out;
        Sink err;
        switch (used) {
            case STREAMS:
                out = Sink.systemOut();
                err = Sink.systemErr();
                break;
            case SLF4J:
                out = Slf4jRoute.sink(options.logger() + ".stdout", options.stdout());
                err = Slf4jRoute.sink(options.logger() + ".stderr", options.stderr());
                break;
            case JUL: {
                Runnable first = new FirstUse(false);
                out = LazyLoggers.jul(options.logger() + ".stdout", options.stdout().jul(), first);
                err = LazyLoggers.jul(options.logger() + ".stderr", options.stderr().jul(), first);
                drain.atExit(FirstUse::closeJulIfNoHookWill);
                break;
            }
            default: {
                Runnable first = new FirstUse(true);
                out = LazyLoggers.systemLogger(options.logger() + ".stdout", options.stdout().systemLogger(), first);
                err = LazyLoggers.systemLogger(options.logger() + ".stderr", options.stderr().systemLogger(), first);
                drain.atExit(FirstUse::closeJulIfNoHookWill);
            }
        }
        return NativeOutput.redirect()
                .stdout(Sink.tee(out, drain.marker()))
                .stderr(Sink.tee(err, drain.marker()))
                .javaStreams(JavaStreams.BYPASS);
    }

    /**
     * Runs once, on the reader thread, before the first line is logged: readies
     * JUL when the lines go there, and says what premain could not know yet.
     */
    private final class FirstUse implements Runnable {
        private final boolean systemLogger;
        private boolean done;

        FirstUse(boolean systemLogger) {
            this.systemLogger = systemLogger;
        }

        @Override
        public synchronized void run() {
            if (done) {
                return;
            }
            done = true;
            if (watchForNestedSlf4j) {
                ClassLoader loader = Slf4jPresence.loadedElsewhere(inst);
                if (loader != null) {
                    Agent.warn("slf4j-api was not on the class path at start (the application loaded it later, in "
                            + loader.getClass().getName() + "); native output goes to System.Logger ("
                            + options.logger() + ".stdout, " + options.logger() + ".stderr), which reaches SLF4J"
                            + " only if the application bridges java.util.logging into it (jul-to-slf4j, as"
                            + " Spring Boot does)");
                }
            }
            if (systemLogger && !LazyLoggers.systemLoggerIsJul()) {
                return;
            }
            LogManager manager = LazyLoggers.julHandlersReady();
            julUsed = true;
            if (!(manager instanceof FdcaptureLogManager) && !warnedAtStart()) {
                Agent.warn(julNotDeferred(manager.getClass().getName()));
            }
        }

        private boolean warnedAtStart() {
            String manager = System.getProperty("java.util.logging.manager");
            return manager != null && !manager.isEmpty() && !manager.equals(FdcaptureLogManager.class.getName())
                    && manager.equals(LogManager.getLogManager().getClass().getName());
        }

        static void closeJulIfNoHookWill() {
            if (julUsed && LogManager.getLogManager() instanceof FdcaptureLogManager) {
                ((FdcaptureLogManager) LogManager.getLogManager()).resetIfNoHookWill();
            }
        }
    }
}
