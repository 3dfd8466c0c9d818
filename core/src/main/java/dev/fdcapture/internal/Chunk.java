package dev.fdcapture.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One read's worth of captured bytes. The reader fills the native segment;
 * outlets that need a {@code byte[]} get one copy, made on first request and
 * shared by every outlet of a tee. Reused from read to read: outlets must not
 * keep references past {@link Outlet#write}.
 */
public final class Chunk {
    private final MemorySegment segment;
    private final byte[] heap;
    private int length;
    private boolean copied;

    public Chunk(int capacity) {
        this.segment = Arena.ofAuto().allocate(capacity, 64);
        this.heap = new byte[capacity];
    }

    /** The whole native buffer, for the reader to fill. */
    MemorySegment buffer() {
        return segment;
    }

    int capacity() {
        return heap.length;
    }

    void filled(int length) {
        this.length = length;
        this.copied = false;
    }

    public int length() {
        return length;
    }

    /** The bytes in native memory: {@code [0, length())} are valid. */
    public MemorySegment segment() {
        return segment;
    }

    /** The bytes on the heap: {@code [0, length())} are valid. */
    public byte[] array() {
        if (!copied) {
            MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, 0, heap, 0, length);
            copied = true;
        }
        return heap;
    }
}
