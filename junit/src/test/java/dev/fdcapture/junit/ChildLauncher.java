package dev.fdcapture.junit;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * A launcher in a JVM of its own, for what needs other JVM flags than the test
 * JVM's: runs the classes named by the arguments, {@code runs} times (so a
 * once-only warning is seen to be once only), and prints one
 * {@code RESULT Class#method STATUS message} line per test.
 */
public final class ChildLauncher {
    private ChildLauncher() {
    }

    public static void main(String[] args) throws Exception {
        int runs = Integer.getInteger("runs", 1);
        Launcher launcher = LauncherFactory.create();
        for (int run = 0; run < runs; run++) {
            LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request();
            for (String c : args) {
                request.selectors(selectClass(Class.forName(c)));
            }
            launcher.execute(request.build(), new TestExecutionListener() {
                @Override
                public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                    if (id.isTest() && id.getSource().orElse(null) instanceof MethodSource m) {
                        String message = result.getThrowable().map(Throwable::getMessage).orElse("")
                                .replace('\n', ' ');
                        System.out.println("RESULT " + m.getJavaClass().getSimpleName() + "#" + m.getMethodName()
                                + " " + result.getStatus() + " " + message);
                    }
                }
            });
        }
    }
}
