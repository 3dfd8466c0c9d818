package dev.fdcapture.bench;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * Run in a fresh JVM: the JVM's own first FFM downcall (link {@code getpid} and
 * call it), the floor under any library's first capture. Prints {@code ms=...}.
 */
public final class FirstDowncall {
    private FirstDowncall() {
    }

    public static void main(String[] args) throws Throwable {
        long t0 = System.nanoTime();
        Linker linker = Linker.nativeLinker();
        MethodHandle getpid = linker.downcallHandle(linker.defaultLookup().find("getpid").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT));
        int pid = (int) getpid.invokeExact();
        long t1 = System.nanoTime();
        if (pid != ProcessHandle.current().pid()) {
            throw new IllegalStateException("getpid() returned " + pid);
        }
        System.out.printf(Locale.ROOT, "ms=%.3f%n", (t1 - t0) / 1e6);
    }
}
