/**
 * fdcapture: captures what native code, child processes and the JVM write to
 * file descriptors 1 and 2. Needs {@code --enable-native-access=dev.fdcapture}.
 */
module dev.fdcapture {
    // Only for Sink.logger(java.util.logging.Logger, Level); callers of it read java.logging anyway.
    requires static java.logging;

    exports dev.fdcapture;
}
