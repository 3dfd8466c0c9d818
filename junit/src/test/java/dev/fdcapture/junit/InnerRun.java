package dev.fdcapture.junit;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * Runs test classes with JUnit's launcher inside this JVM, the way Surefire or
 * an IDE would, with {@code System.out}/{@code System.err} replaced by streams
 * that stand for the launcher's report: what the extension echoes lands there.
 */
final class InnerRun {
    final Map<String, TestExecutionResult> results = new LinkedHashMap<>();
    final String reportOut;
    final String reportErr;
    /** Whether System.out and System.err were the report's streams again after the run. */
    final boolean streamsRestored;

    private InnerRun(String out, String err, boolean restored) {
        this.reportOut = out;
        this.reportErr = err;
        this.streamsRestored = restored;
    }

    static InnerRun of(Map<String, String> configuration, Class<?>... classes) {
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request()
                .configurationParameters(configuration);
        for (Class<?> c : classes) {
            request.selectors(selectClass(c));
        }
        LauncherDiscoveryRequest built = request.build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream reportOut = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream reportErr = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        Map<String, TestExecutionResult> results = new LinkedHashMap<>();
        boolean restored;
        System.setOut(reportOut);
        System.setErr(reportErr);
        try {
            Launcher launcher = LauncherFactory.create();
            launcher.execute(built, new TestExecutionListener() {
                @Override
                public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                    Optional<String> name = id.getSource().filter(MethodSource.class::isInstance)
                            .map(s -> ((MethodSource) s).getJavaClass().getSimpleName() + "#"
                                    + ((MethodSource) s).getMethodName());
                    if (id.isTest() && name.isPresent()) {
                        results.merge(name.get(), result, (a, b) -> b);
                    } else if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                        results.put(id.getDisplayName(), result); // a class that failed as a whole
                    }
                }
            });
        } finally {
            restored = System.out == reportOut && System.err == reportErr;
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
        InnerRun run = new InnerRun(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
                restored);
        run.results.putAll(results);
        return run;
    }

    static InnerRun of(Class<?>... classes) {
        return of(Map.of(), classes);
    }

    TestExecutionResult result(String classAndMethod) {
        TestExecutionResult r = results.get(classAndMethod);
        if (r == null) {
            throw new AssertionError("no result for " + classAndMethod + " in " + results.keySet());
        }
        return r;
    }

    /** Fails with every failure's stack trace unless every test passed. */
    InnerRun assertAllPassed() {
        StringBuilder failures = new StringBuilder();
        results.forEach((name, r) -> {
            if (r.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                java.io.StringWriter w = new java.io.StringWriter();
                r.getThrowable().ifPresent(t -> t.printStackTrace(new java.io.PrintWriter(w)));
                failures.append(name).append(": ").append(r.getStatus()).append('\n').append(w).append('\n');
            }
        });
        if (failures.length() > 0 || results.isEmpty()) {
            throw new AssertionError("inner tests did not all pass (" + results.keySet() + "):\n" + failures
                    + "\n--- report out ---\n" + reportOut + "\n--- report err ---\n" + reportErr);
        }
        return this;
    }

    String message(String classAndMethod) {
        return result(classAndMethod).getThrowable().map(Throwable::getMessage).orElse("");
    }
}
