package dev.fdcapture.junit.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading a fork's channel and version, and refusing what cannot be handled with a message naming the fix. */
class SurefireForkTest {

    @Test
    void the_channel_is_read_from_the_booter_properties_named_on_the_command_line(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("surefire-1tmp"), "forkNodeConnectionString=pipe://1\nother=x\n");
        Files.writeString(dir.resolve("surefire-2tmp"), "forkNodeConnectionString=tcp://127.0.0.1:4711\n");
        List<String> prefix = List.of("--enable-native-access=ALL-UNNAMED", "-jar", "/x/surefirebooter.jar");
        assertEquals(SurefireFork.Channel.PIPE, SurefireFork.channelFromArguments(concat(prefix,
                dir.toString(), "2026-01-01T00-00-00_000-jvmRun1", "surefire-1tmp", "surefire_0-1tmp")));
        assertEquals(SurefireFork.Channel.TCP, SurefireFork.channelFromArguments(concat(prefix,
                dir.toString(), "dump", "surefire-2tmp")));
        assertEquals(SurefireFork.Channel.UNKNOWN, SurefireFork.channelFromArguments(concat(prefix,
                dir.toString(), "dump", "no-such-file")));
    }

    private static List<String> concat(List<String> prefix, String... rest) {
        java.util.ArrayList<String> all = new java.util.ArrayList<>(prefix);
        all.addAll(List.of(rest));
        return all;
    }

    @Test
    void this_build_runs_its_tests_in_a_surefire_fork_over_tcp() {
        // The project's own pom uses SurefireForkNodeFactory: the detection must see that.
        SurefireFork here = SurefireFork.current();
        assertEquals(SurefireFork.Channel.TCP, here.channel(), here.toString());
        assertFalse(here.framesOnStdout());
        assertTrue(here.problem().isEmpty());
    }

    @Test
    void a_surefire_too_old_for_the_frame_layout_is_refused_on_its_default_channel_with_both_fixes_named() {
        SurefireFork old = new SurefireFork(SurefireFork.Channel.PIPE, "2.22.2");
        String message = old.problem().orElseThrow();
        assertTrue(message.contains("Surefire 2.22.2"), message);
        assertTrue(message.contains("maven-surefire-plugin 3.0.0 or newer"), message);
        assertTrue(message.contains("SurefireForkNodeFactory"), message);
        assertTrue(new SurefireFork(SurefireFork.Channel.PIPE, "3.0.0-M9").problem().isPresent());
        assertTrue(new SurefireFork(SurefireFork.Channel.TCP, "3.0.0-M9").problem().isEmpty(), "no frames on fd 1");
        assertTrue(new SurefireFork(SurefireFork.Channel.PIPE, "3.0.0").problem().isEmpty());
        assertTrue(new SurefireFork(SurefireFork.Channel.PIPE, "3.5.2").problem().isEmpty());
        assertTrue(new SurefireFork(SurefireFork.Channel.NONE, null).problem().isEmpty());
    }

    @Test
    void versions_compare_by_their_numbers_and_a_milestone_comes_before_its_release() {
        assertTrue(SurefireFork.compareVersions("3.5.2", "3.0.0") > 0);
        assertTrue(SurefireFork.compareVersions("3.10.0", "3.9.9") > 0);
        assertTrue(SurefireFork.compareVersions("3.0.0-M5", "3.0.0") < 0);
        assertTrue(SurefireFork.compareVersions("3.6.0", "3.6.0-M1") > 0);
        assertEquals(0, SurefireFork.compareVersions("3.5", "3.5.0"));
        assertEquals(1, FrameSplitter.outputStrings("3.5.4"));
        assertEquals(2, FrameSplitter.outputStrings("3.6.0-M1"));
        assertEquals(0, FrameSplitter.outputStrings(null));
    }
}
