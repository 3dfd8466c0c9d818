package dev.fdcapture.junit.internal;

import dev.fdcapture.NativeOutput;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The run-wide mode: with the configuration parameter
 * {@code fdcapture.junit.report-native-output=true}, all native output of a test
 * plan's execution goes into the report of the test running at the time.
 *
 * <p>Registered through {@code ServiceLoader} as a launcher
 * {@link TestExecutionListener}: every JUnit Platform launcher (Surefire, Gradle,
 * IDEs, the console launcher) loads it without further configuration, it sees
 * the configuration parameters of the plan, and it serves every engine, not only
 * Jupiter. Without the parameter it does nothing and loads nothing of fdcapture.
 *
 * <p>Under Surefire's default fork channel, fd 1 and fd 2 are redirected for the
 * whole execution and {@code System.out}/{@code System.err} write to them too.
 * fd 1 is split: Surefire's frames go on to Maven; everything else becomes
 * Surefire output events, written to Maven right there between Surefire's own
 * frames. Since the test's Java prints, its native writes and Surefire's
 * "test finished" event all pass through that one transport in write order,
 * each line lands in the report of the test that wrote it, in order with its
 * prints. fd 2 has its own reader; markers written after each test, on its
 * thread, keep fd 2's lines on the right side of the frame that ends the test
 * ({@link PipeRelay}).
 *
 * <p>Elsewhere (Surefire's TCP channel, Gradle, IDEs) it is
 * {@link NativeOutput#toSystemStreams()}: native output is written to the
 * {@code System.out}/{@code System.err} of the moment, as it arrives.
 */
public final class RunWideListener implements TestExecutionListener {
    private static final String PARAMETER = dev.fdcapture.junit.NativeOutputExtension.REPORT_NATIVE_OUTPUT;
    private static final System.Logger LOG = System.getLogger("dev.fdcapture.junit");
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private volatile AutoCloseable closeable;
    private PrintStream previousOut;
    private PrintStream previousErr;
    private PrintStream ourOut;
    private PrintStream ourErr;
    private HandOverStream toFd1;
    private HandOverStream toFd2;

    /** For ServiceLoader. */
    public RunWideListener() {
    }

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        if (!testPlan.getConfigurationParameters().getBoolean(PARAMETER).orElse(false)) {
            return;
        }
        if (!NativeOutput.isSupported()) {
            warnOnce(PARAMETER + " is set, but native output cannot be captured in this JVM ("
                    + NativeOutput.unsupportedCause().orElse("") + "); it goes where it always went");
            return;
        }
        SurefireFork fork = SurefireFork.current();
        if (fork.problem().isPresent()) {
            warnOnce(PARAMETER + " is set, but: " + fork.problem().get());
            return;
        }
        try {
            switch (fork.channel()) {
                case PIPE:
                    if (fork.version() == null) {
                        warnOnce(PARAMETER + " is set, but the Surefire version of this fork is unknown;"
                                + " native output goes where it always went");
                    } else {
                        startOnSurefirePipe(fork.version());
                    }
                    break;
                case UNKNOWN:
                    warnOnce(PARAMETER + " is set, but this Surefire fork's channel could not be read (" + fork
                            + "); native output goes where it always went");
                    break;
                default:
                    closeable = NativeOutput.toSystemStreams();
                    break;
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, PARAMETER + " is set, but capturing failed to start", e);
        }
    }

    private void startOnSurefirePipe(String version) {
        previousOut = System.out;
        previousErr = System.err;
        PipeRelay relay = new PipeRelay(version);
        closeable = relay;
        toFd1 = new HandOverStream(new FileOutputStream(FileDescriptor.out));
        toFd2 = new HandOverStream(new FileOutputStream(FileDescriptor.err));
        ourOut = new PrintStream(toFd1, true, StandardCharsets.UTF_8);
        ourErr = new PrintStream(toFd2, true, StandardCharsets.UTF_8);
        System.setOut(ourOut);
        System.setErr(ourErr);
    }

    @Override
    public void executionFinished(TestIdentifier testIdentifier, TestExecutionResult testExecutionResult) {
        // After Surefire's listener (finish events go to listeners in reverse order), on the test's thread.
        AutoCloseable r = closeable;
        if (r instanceof PipeRelay) {
            ((PipeRelay) r).testEnded();
        }
    }

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        AutoCloseable r = closeable;
        closeable = null;
        if (r == null) {
            return;
        }
        if (ourOut != null) {
            toFd1.handOver(previousOut);
            toFd2.handOver(previousErr);
            if (System.out == ourOut) {
                System.setOut(previousOut);
            }
            if (System.err == ourErr) {
                System.setErr(previousErr);
            }
            ourOut = null;
            ourErr = null;
        }
        try {
            r.close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "capturing native output for the test report failed", e);
        }
    }

    private static void warnOnce(String message) {
        if (WARNED.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.WARNING, message);
        }
    }
}
