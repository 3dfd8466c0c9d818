package dev.fdcapture.internal.posix;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Native memory for the raw calls of {@link Posix}: its address, for the calls,
 * and a direct {@link ByteBuffer} over it in native byte order, for Java code.
 * The memory lives as long as this object.
 */
public final class NativeBuffer {
    private final ByteBuffer bytes;
    private final long address;
    /** What owns the memory in the backend (an FFM segment, a JNA Memory). */
    @SuppressWarnings({"unused", "FieldCanBeLocal"})
    private final Object owner;

    public NativeBuffer(ByteBuffer bytes, long address, Object owner) {
        this.bytes = bytes.order(ByteOrder.nativeOrder());
        this.address = address;
        this.owner = owner;
    }

    /** The address of byte 0. */
    public long address() {
        return address;
    }

    /** The address of byte {@code offset}. */
    public long address(long offset) {
        return address + offset;
    }

    /** The bytes, as a direct buffer; callers use absolute gets and puts only. */
    public ByteBuffer bytes() {
        return bytes;
    }

    public int capacity() {
        return bytes.capacity();
    }
}
