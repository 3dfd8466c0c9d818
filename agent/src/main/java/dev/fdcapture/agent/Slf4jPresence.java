package dev.fdcapture.agent;

import java.lang.instrument.Instrumentation;

/**
 * What {@code premain} can know about SLF4J without initializing it: whether
 * slf4j-api 2 and a provider are on the application class path. An application
 * that keeps SLF4J in a class loader of its own (a Spring Boot executable jar
 * keeps it in a nested jar) shows nothing here; {@link #loadedElsewhere} tells,
 * later, whether that happened.
 */
final class Slf4jPresence {
    /** What was found. */
    enum Found {
        /** slf4j-api 2 with at least one provider (or {@code -Dslf4j.provider}). */
        USABLE,
        /** slf4j-api 2 and no provider: SLF4J would discard every line (its NOP logger). */
        NO_PROVIDER,
        /** slf4j-api 1.x: no fluent API, which fdcapture-slf4j needs. */
        VERSION_1,
        /** No slf4j-api on the class path. */
        ABSENT
    }

    private static final String LOGGER_FACTORY = "org.slf4j.LoggerFactory";

    private Slf4jPresence() {
    }

    static Found onClassPath() {
        ClassLoader app = ClassLoader.getSystemClassLoader();
        // Resources, not classes: nothing of SLF4J is loaded or initialized here.
        if (app.getResource("org/slf4j/LoggerFactory.class") == null) {
            return Found.ABSENT;
        }
        if (app.getResource("org/slf4j/spi/LoggingEventBuilder.class") == null) {
            return Found.VERSION_1;
        }
        String provider = System.getProperty("slf4j.provider");
        if ((provider == null || provider.isEmpty())
                && app.getResource("META-INF/services/org.slf4j.spi.SLF4JServiceProvider") == null) {
            return Found.NO_PROVIDER;
        }
        return Found.USABLE;
    }

    /** The class loader, other than the application's, that has loaded SLF4J by now, or null. */
    static ClassLoader loadedElsewhere(Instrumentation inst) {
        ClassLoader app = ClassLoader.getSystemClassLoader();
        for (Class<?> c : inst.getAllLoadedClasses()) {
            if (c.getName().equals(LOGGER_FACTORY) && c.getClassLoader() != app) {
                return c.getClassLoader();
            }
        }
        return null;
    }
}
