package dev.fdcapture.junit;

/**
 * Whether what a captured test wrote also goes to the test's report, where
 * Surefire, Gradle or an IDE shows it. The echo happens when the test ends (after
 * its {@code @AfterEach} methods), in write order, through the {@code System.out}
 * and {@code System.err} that were in place before the test: that is what a
 * launcher attributes to the test.
 */
public enum Echo {
    /** Always echo: the report shows the test's output as if nothing had been captured. */
    ALWAYS,
    /** Echo only when the test failed (an aborted test, such as a failed assumption, is not a failure). */
    ON_FAILURE,
    /** Never echo: the output is only in {@link CapturedOutput}. */
    NEVER
}
