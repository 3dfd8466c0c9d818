/**
 * fdcapture for JUnit Jupiter: assert on what native code writes to fd 1 and
 * fd 2, and see it in the test's report.
 *
 * <pre>{@code
 * @CaptureNativeOutput
 * class NativeBindingTest {
 *     @Test
 *     void prints_its_greeting(CapturedOutput output) throws Exception {
 *         new ProcessBuilder("sh", "-c", "echo hello from C").inheritIO().start().waitFor();
 *         System.out.println("hello from Java");
 *         assertEquals("hello from C\nhello from Java\n", output.out());
 *     }
 * }
 * }</pre>
 *
 * <p>{@link dev.fdcapture.junit.CaptureNativeOutput} on a class or method
 * captures each test; {@link dev.fdcapture.junit.CapturedOutput} holds what the
 * test wrote natively and printed through {@code System.out}/{@code System.err},
 * in write order; {@link dev.fdcapture.junit.Echo} says whether it also goes to
 * the report. Captured tests never run at the same time as each other.
 *
 * <p>Without any annotation, the JUnit configuration parameter
 * {@code fdcapture.junit.report-native-output=true} (one line in
 * {@code src/test/resources/junit-platform.properties}) sends all native output
 * of the run to the report of the test running at the time; under Maven
 * Surefire's default fork channel that also ends the
 * "Corrupted channel by directly writing to native stream" warning.
 *
 * <p>The JVM needs native access, as for fdcapture itself:
 * {@code --enable-native-access=ALL-UNNAMED} in Surefire's {@code argLine} (or
 * {@code dev.fdcapture} on the module path). Without it, captured tests fail
 * with that message and the run-wide mode logs one warning.
 */
package dev.fdcapture.junit;
