package dev.fdcapture.agent;

import dev.fdcapture.agent.AgentOptions.Destination;
import dev.fdcapture.agent.AgentOptions.LineLevel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parsing the agent's options, without a JVM of its own: every rule and its message. */
class AgentOptionsTest {
    @Test
    void nothing_given_is_the_defaults() {
        assertEquals(AgentOptions.DEFAULTS, AgentOptions.parse(null));
        assertEquals(AgentOptions.DEFAULTS, AgentOptions.parse(""));
        assertEquals(new AgentOptions(Destination.LOGS, LineLevel.INFO, LineLevel.WARN, "native"),
                AgentOptions.DEFAULTS);
    }

    @Test
    void every_key_is_read_case_insensitively_with_spaces_around_pairs() {
        AgentOptions o = AgentOptions.parse(" to=JUL , stdout=debug,STDERR=Warning, logger=com.example.lib ");
        assertEquals(new AgentOptions(Destination.JUL, LineLevel.DEBUG, LineLevel.WARN, "com.example.lib"), o);
        assertEquals("to=jul,stdout=DEBUG,stderr=WARN,logger=com.example.lib", o.toString());
        assertEquals(o, AgentOptions.parse(o.toString()));
    }

    @Test
    void each_destination_is_spelled_as_documented() {
        assertEquals(Destination.SYSTEM_LOGGER, AgentOptions.parse("to=system-logger").to());
        assertEquals(Destination.STREAMS, AgentOptions.parse("to=streams").to());
        assertEquals(Destination.SLF4J, AgentOptions.parse("to=slf4j").to());
        assertEquals(Destination.LOGS, AgentOptions.parse("to=logs").to());
    }

    @Test
    void mistakes_are_named_with_what_would_be_valid() {
        assertMessage("unknown option \"level\"; valid options: to, stdout, stderr, logger", "level=INFO");
        assertMessage("bad option to=file; valid: logs, slf4j, jul, system-logger, streams", "to=file");
        assertMessage("bad option stderr=FATAL; valid levels: TRACE, DEBUG, INFO, WARN, ERROR", "stderr=FATAL");
        assertMessage("option \"stdout\" has no value; options are key=value with key one of to, stdout, stderr,"
                + " logger", "stdout");
        assertMessage("option logger given twice", "logger=a,logger=b");
        assertMessage("empty option in \"to=jul,\"; options are key=value, separated by commas: to, stdout,"
                + " stderr, logger", "to=jul,");
        assertMessage("bad option logger=my logger; a logger name such as native or com.example.native (letters,"
                + " digits, and . _ $ -)", "logger=my logger");
        assertMessage("bad option logger=; a logger name such as native or com.example.native (letters, digits,"
                + " and . _ $ -)", "logger=");
        assertMessage("option logger=x has no effect with to=streams (lines go to System.out and System.err as"
                + " they are); drop it", "to=streams,logger=x");
    }

    @Test
    void a_logger_name_is_letters_digits_and_dot_underscore_dollar_dash_not_starting_with_dot_or_dash() {
        for (String good : new String[] {"native", "com.example.lib-2", "_a$b", "9.x", "A"}) {
            assertEquals(good, AgentOptions.parse("logger=" + good).logger(), good);
        }
        for (String bad : new String[] {".native", "-native", "na tive", "n\u00e4tive", "a/b"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> AgentOptions.parse("logger=" + bad), bad);
            assertTrue(e.getMessage().startsWith("bad option logger="), e.getMessage());
        }
    }

    @Test
    void levels_map_to_each_destinations_own() {
        assertEquals(System.Logger.Level.WARNING, LineLevel.WARN.systemLogger());
        assertEquals(System.Logger.Level.TRACE, LineLevel.TRACE.systemLogger());
        assertEquals(java.util.logging.Level.SEVERE, LineLevel.ERROR.jul());
        assertEquals(java.util.logging.Level.FINE, LineLevel.DEBUG.jul());
        assertEquals(java.util.logging.Level.FINER, LineLevel.TRACE.jul());
    }

    private static void assertMessage(String message, String options) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse(options))
                .getMessage());
    }
}
