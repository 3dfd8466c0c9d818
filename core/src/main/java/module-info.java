/**
 * fdcapture: captures what native code, child processes and the JVM write to
 * file descriptors 1 and 2. Needs native access,
 * {@code --enable-native-access=dev.fdcapture}; on Java 17-21 also JNA
 * ({@code net.java.dev.jna:jna}), which is optional on 22+.
 */
module dev.fdcapture {
    // Only for Sink.logger(java.util.logging.Logger, Level); callers of it read java.logging anyway.
    requires static java.logging;
    // The native backend on Java 17-21; absent, NativeOutput.unsupportedCause() says what to add.
    requires static com.sun.jna;

    exports dev.fdcapture;
}
