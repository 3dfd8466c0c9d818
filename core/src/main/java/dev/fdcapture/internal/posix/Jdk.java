package dev.fdcapture.internal.posix;

import java.io.PrintStream;
import java.nio.charset.Charset;

/**
 * The few JDK features newer than Java 17 that fdcapture asks for, answered by a
 * class compiled at release 22 when the JVM has them ({@code Jdk22}), and by
 * what Java 17 offers otherwise. No reflection into the JDK either way.
 */
public abstract class Jdk {
    private static final Jdk CURRENT = load();

    /** For this JVM. */
    public static Jdk current() {
        return CURRENT;
    }

    /** Whether {@code module} may make restricted calls without the JVM warning or refusing. */
    public abstract boolean nativeAccessEnabled(Module module);

    /** The charset {@code stream} encodes characters with. */
    public abstract Charset charset(PrintStream stream);

    private static Jdk load() {
        if (Runtime.version().feature() >= 22) {
            try {
                return (Jdk) Class.forName("dev.fdcapture.internal.posix.Jdk22").getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("fdcapture's Java 22 classes are missing from this build", e);
            }
        }
        return new Jdk17();
    }

    /** Java 17-21: nothing restricts native access; a stream's charset is not asked but known from the JVM. */
    private static final class Jdk17 extends Jdk {
        @Override
        public boolean nativeAccessEnabled(Module module) {
            return true;
        }

        @Override
        public Charset charset(PrintStream stream) {
            String name = System.getProperty(stream == System.err ? "sun.stderr.encoding" : "sun.stdout.encoding");
            try {
                return name != null ? Charset.forName(name) : Charset.defaultCharset();
            } catch (RuntimeException e) {
                return Charset.defaultCharset();
            }
        }
    }
}
