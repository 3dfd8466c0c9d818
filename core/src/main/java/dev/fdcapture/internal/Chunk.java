package dev.fdcapture.internal;

import dev.fdcapture.internal.posix.Libc;
import dev.fdcapture.internal.posix.NativeBuffer;

/**
 * One read's worth of captured bytes. The reader reads straight into the array;
 * outlets that write to a descriptor get a native copy, made on first request
 * and shared by every outlet of a tee. Reused from read to read: outlets must not
 * keep references past {@link Outlet#write}.
 */
public final class Chunk {
    private final byte[] heap;
    private NativeBuffer copy;
    private int length;
    private boolean copied;

    public Chunk(int capacity) {
        this.heap = new byte[capacity];
    }

    /** The array, for the reader to fill. */
    byte[] buffer() {
        return heap;
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

    /** The bytes on the heap: {@code [0, length())} are valid. */
    public byte[] array() {
        return heap;
    }

    /** The bytes in native memory, for a write to a descriptor: {@code [0, length())} are valid. */
    public NativeBuffer nativeCopy() {
        if (!copied) {
            if (copy == null) {
                copy = Libc.allocate(heap.length);
            }
            copy.bytes().put(0, heap, 0, length);
            copied = true;
        }
        return copy;
    }
}
