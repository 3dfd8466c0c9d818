package dev.fdcapture.internal.posix;


/**
 * Chooses the native backend once, and says why capturing cannot work when no
 * backend can: the FFM API on Java 22+ ({@code FfmSyscallPosix} on x86_64 and
 * aarch64, {@code FfmPosix} elsewhere, loaded only there), JNA
 * on 17-21 ({@link JnaPosix}), or the one named by the system property
 * {@value #PROPERTY} ({@code ffm} or {@code jna}).
 *
 * <p>Every check runs before the first restricted call, so the JVM never prints
 * its native-access warning into someone's output, and a missing JNA is a
 * message, never a {@code NoClassDefFoundError}.
 */
public final class Backend {
    /** The system property that selects a backend. */
    public static final String PROPERTY = "dev.fdcapture.backend";
    /** The JNA version this build is tested with, for messages (kept in step with the POM). */
    public static final String JNA_COORDINATES = "net.java.dev.jna:jna:5.17.0";

    private static final String FFM_CLASS = "dev.fdcapture.internal.posix.FfmPosix";
    /** The same through one syscall(2) downcall shape, which links much faster; x86_64 and aarch64 only. */
    private static final String FFM_SYSCALL_CLASS = "dev.fdcapture.internal.posix.FfmSyscallPosix";
    private static final Choice CHOICE = choose();

    private Backend() {
    }

    /** The outcome: a working backend, or why there is none. */
    private static final class Choice {
        final Posix posix;
        final String unsupported;

        Choice(Posix posix, String unsupported) {
            this.posix = posix;
            this.unsupported = unsupported;
        }
    }

    /** Why capturing cannot work here (naming what to add or change), or null. */
    public static String unsupportedReason() {
        return CHOICE.unsupported;
    }

    /** The chosen backend; only when {@link #unsupportedReason()} is null. */
    public static Posix posix() {
        if (CHOICE.posix == null) {
            throw new UnsupportedOperationException(CHOICE.unsupported);
        }
        return CHOICE.posix;
    }

    private static Choice choose() {
        String os = System.getProperty("os.name", "");
        if (os.startsWith("Mac")) {
            return unsupported("fdcapture does not support macOS yet: its transport needs Linux memfd and inotify");
        }
        if (!os.equals("Linux")) {
            return unsupported("fdcapture supports Linux only; os.name is " + os);
        }
        int feature = Runtime.version().feature();
        String asked = System.getProperty(PROPERTY);
        String backend;
        if (asked == null || asked.isEmpty()) {
            backend = feature >= 22 ? "ffm" : "jna";
        } else if (asked.equals("ffm") || asked.equals("jna")) {
            backend = asked;
        } else {
            return unsupported("unknown fdcapture backend -D" + PROPERTY + "=" + asked + "; use ffm (Java 22+) or jna");
        }
        if (backend.equals("ffm") && feature < 22) {
            return unsupported("-D" + PROPERTY + "=ffm needs Java 22 or later (this is Java " + feature
                    + "); on Java 17-21 fdcapture uses JNA");
        }
        return backend.equals("ffm") ? ffm() : jna(feature);
    }

    private static Choice ffm() {
        try {
            String flag = nativeAccessFlag(Backend.class);
            if (flag != null) {
                return unsupported("fdcapture needs native access: start the JVM with " + flag);
            }
            String arch = System.getProperty("os.arch", "");
            boolean syscalls = arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64");
            Class<?> c = Class.forName(syscalls ? FFM_SYSCALL_CLASS : FFM_CLASS, true, Backend.class.getClassLoader());
            return new Choice((Posix) c.getDeclaredConstructor().newInstance(), null);
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return unsupported("fdcapture could not link libc through FFM: " + e);
        }
    }

    private static Choice jna(int feature) {
        Class<?> nativeClass;
        try {
            // Not initialized: that would load JNA's native library before the checks below.
            nativeClass = Class.forName("com.sun.jna.Native", false, Backend.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            Module module = Backend.class.getModule();
            String where = module.isNamed() && module.getLayer() != null
                    ? " (on the module path, also --add-modules com.sun.jna if nothing else requires it)" : "";
            return unsupported("fdcapture needs JNA on Java " + feature + ": add the dependency "
                    + JNA_COORDINATES + where + (feature >= 22 ? ", or drop -D" + PROPERTY + "=jna" : ""));
        }
        if (feature >= 22) {
            // Java 24+ warns about JNI too (JEP 472); JNA's module is the one loading its library,
            // so the flag named is for JNA's module (ALL-UNNAMED on the class path).
            String flag = nativeAccessFlag(nativeClass);
            if (flag != null) {
                return unsupported("fdcapture needs native access: start the JVM with " + flag);
            }
        }
        try {
            return new Choice(new JnaPosix(), null);
        } catch (LinkageError | RuntimeException e) {
            return unsupported("fdcapture could not link libc through JNA: " + e);
        }
    }

    /**
     * The flag that would enable native access for {@code c}'s module, or null if
     * it is enabled (or the JVM is older than 22, where nothing restricts it).
     */
    private static String nativeAccessFlag(Class<?> c) {
        if (Runtime.version().feature() < 22) {
            return null;
        }
        if (Jdk.current().nativeAccessEnabled(c.getModule())) {
            return null;
        }
        Module module = c.getModule();
        return "--enable-native-access=" + (module.isNamed() ? module.getName() : "ALL-UNNAMED");
    }

    private static Choice unsupported(String why) {
        return new Choice(null, why);
    }
}
