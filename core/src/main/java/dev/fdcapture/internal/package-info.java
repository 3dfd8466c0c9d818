/**
 * fdcapture's machinery; not exported, not API.
 *
 * <p>What runs on the way to a first capture (start(), the first reads) uses
 * named or anonymous classes, not lambdas or method references, and throws no
 * exception it expects: in a fresh JVM each lambda's first use spins a hidden
 * class and the method handles behind it, 0.5-3 ms apiece measured here
 * (async-profiler, cpu samples over fresh JVMs), where loading a small class
 * from the jar costs 0.3-0.5 ms. A first capture is on every application's
 * startup path when the agent runs it (README, "Route a whole application's
 * native output").
 */
package dev.fdcapture.internal;
