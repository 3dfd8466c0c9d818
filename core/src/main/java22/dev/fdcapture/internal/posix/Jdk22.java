package dev.fdcapture.internal.posix;

import java.io.PrintStream;
import java.nio.charset.Charset;

/** {@link Jdk} on Java 22+, where the JDK answers both questions itself. */
final class Jdk22 extends Jdk {
    Jdk22() {
    }

    @Override
    public boolean nativeAccessEnabled(Module module) {
        return module.isNativeAccessEnabled();
    }

    @Override
    public Charset charset(PrintStream stream) {
        return stream.charset();
    }
}
