/**
 * Capture what native code writes to file descriptors 1 and 2.
 *
 * <pre>{@code
 * // In a test: everything written to stdout and stderr during the body.
 * Captured out = NativeOutput.capture(() -> libc.puts("hello"));
 * assertEquals("hello\n", out.stdout());
 *
 * // In production: native lines into a logger, echoed to the terminal.
 * try (Redirection r = NativeOutput.redirect()
 *         .stdout(Sink.tee(Sink.lines(log::info), Sink.original()))
 *         .start()) {
 *     nativeLibrary.run();
 * }
 * }</pre>
 *
 * <p>Start with {@link dev.fdcapture.NativeOutput}; sinks are in
 * {@link dev.fdcapture.Sink}.
 */
package dev.fdcapture;
