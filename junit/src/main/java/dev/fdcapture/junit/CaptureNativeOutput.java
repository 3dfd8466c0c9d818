package dev.fdcapture.junit;

import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Captures what each test writes to fd 1 and fd 2, natively and through
 * {@code System.out}/{@code System.err}, into a {@link CapturedOutput} the test
 * can take as a parameter, and echoes it to the test's report ({@link #echo()}).
 *
 * <pre>{@code
 * @Test
 * @CaptureNativeOutput
 * void the_binding_prints_its_version(CapturedOutput output) {
 *     nativeLibrary.printVersion();
 *     assertEquals("libfoo 1.2\n", output.out());
 * }
 * }</pre>
 *
 * <p>On a class it applies to every test of the class, of its subclasses and of
 * its {@code @Nested} classes; on a method, to that test. The nearest annotation's
 * {@link #echo()} wins.
 *
 * <p><b>File descriptors belong to the whole process</b>, so captured tests take
 * three resource locks, {@code READ_WRITE}: JUnit's {@link Resources#SYSTEM_OUT}
 * and {@link Resources#SYSTEM_ERR}, and {@link NativeOutputExtension#FDS}. Under
 * parallel execution no two captured tests run at the same time, nor does a
 * captured test run alongside tests that declare any of these resources; other
 * tests keep running in parallel, and whatever they write to fd 1 or fd 2, or
 * print, while a captured test runs lands in that test's capture.
 *
 * <p>Under Maven Surefire's default fork channel, fd 1 also carries Surefire's
 * own messages to Maven; they are recognised and passed through untouched, so
 * they never appear in the capture and the "Corrupted channel" warning does not
 * occur. See {@link NativeOutputExtension} for the details and the limits.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(NativeOutputExtension.class)
@ResourceLock(value = Resources.SYSTEM_OUT, mode = ResourceAccessMode.READ_WRITE)
@ResourceLock(value = Resources.SYSTEM_ERR, mode = ResourceAccessMode.READ_WRITE)
@ResourceLock(value = NativeOutputExtension.FDS, mode = ResourceAccessMode.READ_WRITE)
public @interface CaptureNativeOutput {
    /**
     * Whether the captured output also goes to the test's report.
     *
     * @return {@link Echo#ALWAYS} unless set
     */
    Echo echo() default Echo.ALWAYS;
}
