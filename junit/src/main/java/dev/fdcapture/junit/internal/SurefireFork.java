package dev.fdcapture.junit.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * Whether this JVM is a Maven Surefire (or Failsafe) fork, which version, and
 * which channel it talks to Maven over.
 *
 * <p>A fork is started as {@code java [options] <ForkedBooter or booter jar or
 * @argfile> <tmpDir> <dumpFile> <surefireProperties> [<systemProperties>]}; the
 * properties file in {@code tmpDir} names the channel in
 * {@code forkNodeConnectionString}: {@code pipe://N} for the default channel (the
 * fork's stdin and stdout), {@code tcp://...} for {@code SurefireForkNodeFactory}.
 * The version is surefire-booter's, from its {@code pom.properties} on the
 * class path.
 */
public final class SurefireFork {
    /** How a fork's events reach Maven. */
    public enum Channel {
        /** Not a Surefire fork (an IDE, Gradle, Surefire with forkCount=0, a console launcher). */
        NONE,
        /** The default channel: the fork's fd 1. */
        PIPE,
        /** {@code SurefireForkNodeFactory}: a TCP socket; fd 1 is the fork's plain stdout. */
        TCP,
        /** A Surefire fork whose channel could not be read: treated like {@link #PIPE} where that is safe. */
        UNKNOWN
    }

    /** The oldest Surefire whose frames {@link FrameSplitter} reads (run mode and test run id in every event). */
    static final String OLDEST_SUPPORTED = "3.0.0";

    static final String TCP_FIX = "<forkNode implementation=\"org.apache.maven.plugin.surefire.extensions"
            + ".SurefireForkNodeFactory\"/> in the maven-surefire-plugin configuration";

    private static final String BOOTER = "org/apache/maven/surefire/booter/ForkedBooter.class";
    private static final String BOOTER_POM = "META-INF/maven/org.apache.maven.surefire/surefire-booter/pom.properties";
    private static final SurefireFork CURRENT = detect();

    private final Channel channel;
    private final String version;

    SurefireFork(Channel channel, String version) {
        this.channel = channel;
        this.version = version;
    }

    public static SurefireFork current() {
        return CURRENT;
    }

    public Channel channel() {
        return channel;
    }

    /** surefire-booter's version, or null if unknown. */
    public String version() {
        return version;
    }

    /** Whether Surefire's frames may show up on fd 1. */
    public boolean framesOnStdout() {
        return channel == Channel.PIPE || channel == Channel.UNKNOWN;
    }

    /**
     * Why captures cannot work in this fork, naming the fix, or empty: a Surefire
     * too old for {@link FrameSplitter} whose events may travel on fd 1.
     */
    public Optional<String> problem() {
        if (!framesOnStdout() || version == null || compareVersions(version, OLDEST_SUPPORTED) >= 0) {
            return Optional.empty();
        }
        return Optional.of("fdcapture-junit cannot tell Maven Surefire " + version + "'s own messages on fd 1"
                + " from the test's output (its default fork channel is fd 1). Use maven-surefire-plugin "
                + OLDEST_SUPPORTED + " or newer, or the TCP fork channel: " + TCP_FIX);
    }

    @Override
    public String toString() {
        return channel == Channel.NONE ? "not a Surefire fork" : "Surefire " + version + " fork, channel " + channel;
    }

    private static SurefireFork detect() {
        ClassLoader system = ClassLoader.getSystemClassLoader();
        if (system.getResource(BOOTER) == null) {
            return new SurefireFork(Channel.NONE, null);
        }
        String version = readVersion(system.getResource(BOOTER_POM));
        List<String> args = ProcessHandle.current().info().arguments().map(List::of).orElse(List.of());
        return new SurefireFork(channelFromArguments(args), version);
    }

    private static String readVersion(URL pom) {
        if (pom == null) {
            return null;
        }
        Properties p = new Properties();
        try (InputStream in = pom.openStream()) {
            p.load(in);
        } catch (IOException e) {
            return null;
        }
        return p.getProperty("version");
    }

    /** Finds {@code <tmpDir> <dumpFile> <propertiesFile>} among the arguments and reads the channel there. */
    static Channel channelFromArguments(List<String> args) {
        for (int i = 0; i + 2 < args.size(); i++) {
            Path properties;
            try {
                Path dir = Path.of(args.get(i));
                if (!dir.isAbsolute() || !Files.isDirectory(dir)) {
                    continue;
                }
                properties = dir.resolve(args.get(i + 2));
            } catch (InvalidPathException e) {
                continue;
            }
            if (!Files.isRegularFile(properties)) {
                continue;
            }
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(properties, StandardCharsets.ISO_8859_1)) {
                p.load(r);
            } catch (IOException | IllegalArgumentException e) {
                continue;
            }
            String connection = p.getProperty("forkNodeConnectionString");
            if (connection == null) {
                continue;
            }
            if (connection.startsWith("pipe:")) {
                return Channel.PIPE;
            }
            if (connection.startsWith("tcp:")) {
                return Channel.TCP;
            }
            return Channel.UNKNOWN;
        }
        return Channel.UNKNOWN;
    }

    /**
     * Compares versions like {@code 3.5.2} by their numbers; one with a qualifier
     * ({@code 3.0.0-M5}) comes before the same numbers without.
     */
    static int compareVersions(String a, String b) {
        int[] x = numbers(a);
        int[] y = numbers(b);
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int c = Integer.compare(i < x.length ? x[i] : 0, i < y.length ? y[i] : 0);
            if (c != 0) {
                return c;
            }
        }
        return Boolean.compare(!a.contains("-"), !b.contains("-"));
    }

    private static int[] numbers(String version) {
        int dash = version.indexOf('-');
        String[] parts = (dash < 0 ? version : version.substring(0, dash)).split("\\.");
        int[] n = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                n[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                n[i] = 0;
            }
        }
        return n;
    }
}
