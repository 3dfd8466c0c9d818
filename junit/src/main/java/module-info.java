/**
 * fdcapture for JUnit Jupiter: {@code @CaptureNativeOutput}, {@code CapturedOutput},
 * and the run-wide mode switched on by the configuration parameter
 * {@code fdcapture.junit.report-native-output}. Needs what fdcapture needs:
 * {@code --enable-native-access=dev.fdcapture} (or {@code ALL-UNNAMED} on the class path).
 */
module dev.fdcapture.junit {
    requires dev.fdcapture;
    requires transitive org.junit.jupiter.api;
    // The run-wide mode's listener; whatever launches tests brings the launcher.
    requires static org.junit.platform.launcher;

    exports dev.fdcapture.junit;

    provides org.junit.platform.launcher.TestExecutionListener
            with dev.fdcapture.junit.internal.RunWideListener;
}
