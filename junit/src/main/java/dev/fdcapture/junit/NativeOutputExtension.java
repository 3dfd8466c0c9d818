package dev.fdcapture.junit;

import dev.fdcapture.NativeOutput;
import dev.fdcapture.junit.internal.CaptureSession;
import dev.fdcapture.junit.internal.SurefireFork;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;
import org.opentest4j.TestAbortedException;

import java.util.Objects;
import java.util.Optional;

/**
 * The JUnit Jupiter extension behind {@link CaptureNativeOutput}: captures fd 1
 * and fd 2 from before the first {@code @BeforeEach} method of each test until
 * after its last {@code @AfterEach} method, resolves {@link CapturedOutput}
 * parameters, and echoes the capture to the test's report as {@link Echo} says.
 *
 * <p>Prefer the annotation: it also takes the resource locks that keep captured
 * tests apart under parallel execution. Registered directly
 * ({@code @ExtendWith(NativeOutputExtension.class)}, or
 * {@code @RegisterExtension static NativeOutputExtension captured = new NativeOutputExtension(Echo.ON_FAILURE)}),
 * it takes none; two captures at the same time then fail with a message saying so.
 *
 * <h2>Under Maven Surefire</h2>
 *
 * <p>Surefire replaces {@code System.out} in its forked JVM with a stream that
 * turns each print into an event for Maven; what Maven shows for a test, on the
 * console and in {@code TEST-*.xml}, is what went through that stream while the
 * test ran. Under its default fork channel those events travel on the fork's
 * fd 1 itself, as frames ({@code :maven-surefire-event:...}), next to anything
 * native code writes there; bytes that are not a frame make Maven warn
 * "Corrupted channel by directly writing to native stream" and move them to a
 * {@code .dumpstream} file.
 *
 * <p>While a test is captured, this extension
 * <ul>
 * <li>recognises Surefire's frames on fd 1 and passes them on to Maven
 * untouched and in order: they never appear in {@link CapturedOutput}, and
 * Maven sees nothing but frames, so there is no "Corrupted channel" warning;</li>
 * <li>points {@code System.out}/{@code System.err} at fd 1/fd 2, so Java's
 * prints are captured with the native output, in write order;</li>
 * <li>when the test ends, prints the capture ({@link Echo}) through the
 * streams Surefire installed, on the test's own thread, before JUnit reports
 * the result: Maven shows it on the console and in that test's report.</li>
 * </ul>
 * The same holds under the TCP fork channel (there are no frames on fd 1 then),
 * under Gradle, and in IDEs. Surefire older than 3.0.0 with the default channel
 * is refused with a message naming the fix.
 *
 * <p>Limits: output written by other tests running in parallel, or by threads
 * the test left running, while a test is captured lands in that capture. A
 * stream object taken from {@code System.out} before the test (a logging
 * framework's console appender) keeps writing to that stream: Surefire still
 * shows it, but it is not in {@link CapturedOutput}. Under Surefire's default
 * channel, a redirection the test makes itself ({@code NativeOutput.capture},
 * {@code silence}) catches Surefire's frames written meanwhile too: inside a
 * captured test, read {@link CapturedOutput} instead, or use {@link Echo#NEVER}
 * to silence a test.
 */
public final class NativeOutputExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver {
    /**
     * The resource that stands for the process's fd 1 and fd 2, for
     * {@code @ResourceLock}: captured tests hold it {@code READ_WRITE}; a test
     * whose native output must not end up in another test's capture can declare
     * it {@code READ}.
     */
    public static final String FDS = "dev.fdcapture.fds";

    /**
     * The JUnit configuration parameter that, set to {@code true} (in
     * {@code junit-platform.properties} or as a system property), sends all
     * native output of the test run to the report of the test running at the time.
     */
    public static final String REPORT_NATIVE_OUTPUT = "fdcapture.junit.report-native-output";

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(
            NativeOutputExtension.class);
    private static final String SESSION = "session";

    private final Echo echo;

    /** Echoes {@link Echo#ALWAYS}, unless an annotation says otherwise. */
    public NativeOutputExtension() {
        this(Echo.ALWAYS);
    }

    /**
     * Echoes as {@code echo} says for tests without a {@link CaptureNativeOutput} annotation.
     *
     * @param echo what goes to the report
     */
    public NativeOutputExtension(Echo echo) {
        this.echo = Objects.requireNonNull(echo, "echo");
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(NAMESPACE);
        if (store.get(SESSION) != null) {
            return; // registered twice (annotation and @RegisterExtension): one capture is enough
        }
        Optional<String> unsupported = NativeOutput.unsupportedCause();
        if (unsupported.isPresent()) {
            throw new ExtensionConfigurationException("@CaptureNativeOutput cannot capture in this JVM: "
                    + unsupported.get());
        }
        SurefireFork fork = SurefireFork.current();
        Optional<String> problem = fork.problem();
        if (problem.isPresent()) {
            throw new ExtensionConfigurationException(problem.get());
        }
        store.put(SESSION, new Stored(this, CaptureSession.start(context.getDisplayName(), fork.framesOnStdout(),
                fork.version())));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Stored stored = context.getStore(NAMESPACE).remove(SESSION, Stored.class);
        if (stored == null) {
            return;
        }
        try {
            stored.session.close();
        } finally {
            if (echoes(context)) {
                stored.session.echo();
            }
        }
    }

    private boolean echoes(ExtensionContext context) {
        switch (echoFor(context)) {
            case ALWAYS:
                return true;
            case ON_FAILURE:
                return context.getExecutionException().filter(t -> !(t instanceof TestAbortedException)).isPresent();
            default:
                return false;
        }
    }

    /** The nearest annotation's echo: the method's, then its class's, then enclosing classes'. */
    private Echo echoFor(ExtensionContext context) {
        for (Optional<ExtensionContext> c = Optional.of(context); c.isPresent(); c = c.get().getParent()) {
            Optional<CaptureNativeOutput> a = c.get().getElement()
                    .flatMap(e -> AnnotationSupport.findAnnotation(e, CaptureNativeOutput.class));
            if (a.isPresent()) {
                return a.get().echo();
            }
        }
        return echo;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        if (parameterContext.getParameter().getType() != CapturedOutput.class) {
            return false;
        }
        // Registered twice, only the instance that started the capture resolves it.
        Stored stored = extensionContext.getStore(NAMESPACE).get(SESSION, Stored.class);
        return stored == null || stored.owner == this;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Stored stored = extensionContext.getStore(NAMESPACE).get(SESSION, Stored.class);
        if (stored == null) {
            throw new ParameterResolutionException("CapturedOutput is the output of one test: it can be a parameter"
                    + " of @Test, @BeforeEach and @AfterEach methods, not of "
                    + parameterContext.getDeclaringExecutable());
        }
        return stored.session.output();
    }

    @Override
    public String toString() {
        return "NativeOutputExtension[echo=" + echo + "]";
    }

    /** A session in the store: closed by the store if afterEach never ran. */
    private static final class Stored implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        final NativeOutputExtension owner;
        final CaptureSession session;

        Stored(NativeOutputExtension owner, CaptureSession session) {
            this.owner = owner;
            this.session = session;
        }

        @Override
        public void close() {
            session.close();
        }
    }
}
