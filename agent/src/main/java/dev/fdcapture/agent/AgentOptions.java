package dev.fdcapture.agent;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The agent's options, {@code key=value} pairs separated by commas, as given
 * after {@code -javaagent:fdcapture-agent.jar=}. Every valid key is in
 * {@link #KEYS}; parsing is strict, so a misconfigured agent is noticed when the
 * JVM starts, not when a line goes missing.
 *
 * @param to      where native output goes
 * @param stdout  the level of lines from fd 1 (log destinations only)
 * @param stderr  the level of lines from fd 2 (log destinations only)
 * @param logger  the logger name prefix: lines go to {@code logger.stdout} and {@code logger.stderr}
 */
public record AgentOptions(Destination to, LineLevel stdout, LineLevel stderr, String logger) {
    /** Every key the agent understands, in the order the usage text lists them. */
    public static final List<String> KEYS = List.of("to", "stdout", "stderr", "logger");
    /** The options with nothing given. */
    public static final AgentOptions DEFAULTS =
            new AgentOptions(Destination.LOGS, LineLevel.INFO, LineLevel.WARN, "native");


    /**
     * Options as given; {@link #parse} makes them from the agent's argument string.
     *
     * @param to      where the lines go
     * @param stdout  the level of fd 1's lines
     * @param stderr  the level of fd 2's lines
     * @param logger  the prefix of the logger names ({@code NAME.stdout}, {@code NAME.stderr})
     */
    public AgentOptions {
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(stdout, "stdout");
        Objects.requireNonNull(stderr, "stderr");
        Objects.requireNonNull(logger, "logger");
    }

    /**
     * Parses the agent's argument string; null or empty means {@link #DEFAULTS}.
     *
     * @param args comma-separated {@code key=value} pairs, or null
     * @return the options
     * @throws IllegalArgumentException naming the offending option and the valid ones
     */
    public static AgentOptions parse(String args) {
        Map<String, String> given = new LinkedHashMap<>();
        if (args != null && !args.isBlank()) {
            for (String pair : args.split(",", -1)) {
                String item = pair.strip();
                int eq = item.indexOf('=');
                if (item.isEmpty()) {
                    throw new IllegalArgumentException("empty option in \"" + args + "\"; options are key=value,"
                            + " separated by commas: " + String.join(", ", KEYS));
                }
                if (eq <= 0) {
                    throw new IllegalArgumentException("option \"" + item + "\" has no value; options are"
                            + " key=value with key one of " + String.join(", ", KEYS));
                }
                String key = item.substring(0, eq).strip().toLowerCase(Locale.ROOT);
                String value = item.substring(eq + 1).strip();
                if (!KEYS.contains(key)) {
                    throw new IllegalArgumentException("unknown option \"" + item.substring(0, eq).strip()
                            + "\"; valid options: " + String.join(", ", KEYS));
                }
                if (given.put(key, value) != null) {
                    throw new IllegalArgumentException("option " + key + " given twice");
                }
            }
        }
        Destination to = given.containsKey("to") ? Destination.parse(given.get("to")) : DEFAULTS.to;
        LineLevel out = given.containsKey("stdout") ? LineLevel.parse("stdout", given.get("stdout")) : DEFAULTS.stdout;
        LineLevel err = given.containsKey("stderr") ? LineLevel.parse("stderr", given.get("stderr")) : DEFAULTS.stderr;
        String logger = given.getOrDefault("logger", DEFAULTS.logger);
        if (!isLoggerName(logger)) {
            throw new IllegalArgumentException("bad option logger=" + logger + "; a logger name such as native"
                    + " or com.example.native (letters, digits, and . _ $ -)");
        }
        if (to == Destination.STREAMS) {
            for (String key : List.of("stdout", "stderr", "logger")) {
                if (given.containsKey(key)) {
                    throw new IllegalArgumentException("option " + key + "=" + given.get(key) + " has no effect"
                            + " with to=streams (lines go to System.out and System.err as they are); drop it");
                }
            }
        }
        return new AgentOptions(to, out, err, logger);
    }

    /**
     * {@code [A-Za-z0-9_$][A-Za-z0-9_$.-]*}, checked by hand: {@code java.util.regex}
     * would cost every application the agent runs in a few milliseconds of startup.
     */
    static boolean isLoggerName(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'
                    || c == '$' || (i > 0 && (c == '.' || c == '-'));
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Where the agent sends native output. */
    public enum Destination {
        /** SLF4J when slf4j-api 2 and a provider are on the application's class path at start, else System.Logger. */
        LOGS("logs"),
        /** SLF4J, one event per line with the stream as {@code native.stream}. */
        SLF4J("slf4j"),
        /** {@code java.util.logging}, the stream as the record's source class name. */
        JUL("jul"),
        /** {@link System.Logger}. */
        SYSTEM_LOGGER("system-logger"),
        /** fd 1 to {@code System.out}, fd 2 to {@code System.err}, whatever they are at each write. */
        STREAMS("streams");

        private final String option;

        Destination(String option) {
            this.option = option;
        }

        /**
         * How it is spelled after {@code to=}.
         *
         * @return the option's value
         */
        public String option() {
            return option;
        }

        static Destination parse(String value) {
            for (Destination d : values()) {
                if (d.option.equalsIgnoreCase(value)) {
                    return d;
                }
            }
            StringBuilder valid = new StringBuilder();
            for (Destination d : values()) {
                valid.append(valid.length() == 0 ? "" : ", ").append(d.option);
            }
            throw new IllegalArgumentException("bad option to=" + value + "; valid: " + valid);
        }
    }

    /** The level of a line, in SLF4J's names; each destination maps it to its own. */
    public enum LineLevel {
        /** SLF4J's TRACE. */
        TRACE,
        /** SLF4J's DEBUG. */
        DEBUG,
        /** SLF4J's INFO, the default for fd 1. */
        INFO,
        /** SLF4J's WARN, the default for fd 2 ({@code WARNING} is accepted too). */
        WARN,
        /** SLF4J's ERROR. */
        ERROR;

        static LineLevel parse(String key, String value) {
            String v = value.toUpperCase(Locale.ROOT);
            if (v.equals("WARNING")) {
                return WARN;
            }
            for (LineLevel l : values()) {
                if (l.name().equals(v)) {
                    return l;
                }
            }
            throw new IllegalArgumentException("bad option " + key + "=" + value
                    + "; valid levels: TRACE, DEBUG, INFO, WARN, ERROR");
        }

        /**
         * The {@link System.Logger} level.
         *
         * @return the level
         */
        public System.Logger.Level systemLogger() {
            switch (this) {
                case TRACE:
                    return System.Logger.Level.TRACE;
                case DEBUG:
                    return System.Logger.Level.DEBUG;
                case INFO:
                    return System.Logger.Level.INFO;
                case WARN:
                    return System.Logger.Level.WARNING;
                default:
                    return System.Logger.Level.ERROR;
            }
        }

        /**
         * The {@code java.util.logging} level, mapped the way the JDK maps
         * {@link System.Logger} levels onto it (TRACE is FINER, DEBUG is FINE, ERROR is SEVERE).
         *
         * @return the level
         */
        public java.util.logging.Level jul() {
            switch (this) {
                case TRACE:
                    return java.util.logging.Level.FINER;
                case DEBUG:
                    return java.util.logging.Level.FINE;
                case INFO:
                    return java.util.logging.Level.INFO;
                case WARN:
                    return java.util.logging.Level.WARNING;
                default:
                    return java.util.logging.Level.SEVERE;
            }
        }
    }

    /** The options as they would be written after {@code =}. */
    @Override
    public String toString() {
        return "to=" + to.option + ",stdout=" + stdout + ",stderr=" + stderr + ",logger=" + logger;
    }
}
