package dev.fdcapture.internal;

import java.util.Map;

/**
 * A map used as a multiset, its values how often each key was added. Spelled
 * out rather than {@code merge(k, 1, Integer::sum)}: each such lambda costs a
 * class spun at its first use, and these are on the way to a first capture.
 */
final class Counts {
    private Counts() {
    }

    static <K> void add(Map<K, Integer> counts, K key) {
        Integer n = counts.get(key);
        counts.put(key, n == null ? 1 : n + 1);
    }

    /** Takes one {@code key} out; the entry goes with the last. */
    static <K> void remove(Map<K, Integer> counts, K key) {
        Integer n = counts.get(key);
        if (n == null) {
            return;
        }
        if (n == 1) {
            counts.remove(key);
        } else {
            counts.put(key, n - 1);
        }
    }
}
