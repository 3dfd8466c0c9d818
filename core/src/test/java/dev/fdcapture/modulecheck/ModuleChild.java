package dev.fdcapture.modulecheck;

import dev.fdcapture.Captured;
import dev.fdcapture.NativeOutput;

/**
 * The child JVM of {@code ModulePathTest}: a class-path application using the
 * {@code dev.fdcapture} module from the module path, with or without JNA there.
 * Its native writer is a child process, which needs nothing on any Java version.
 */
public final class ModuleChild {
    private ModuleChild() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("RESULT named=" + NativeOutput.class.getModule().isNamed());
        System.out.println("RESULT supported=" + NativeOutput.isSupported());
        System.out.println("RESULT cause=" + NativeOutput.unsupportedCause().orElse("<none>"));
        if (NativeOutput.isSupported()) {
            Captured c = NativeOutput.capture(() ->
                    new ProcessBuilder("sh", "-c", "echo from a child").inheritIO().start().waitFor());
            System.out.println("RESULT stdout=" + c.stdout().replace("\n", "\\n"));
        }
        System.out.flush();
    }
}
