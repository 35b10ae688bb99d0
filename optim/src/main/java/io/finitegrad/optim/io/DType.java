package io.finitegrad.optim.io;

import java.nio.ByteBuffer;

/** The safetensors element types this codec reads; every tensor is written as {@link #F64}. */
enum DType {
    F64(Double.BYTES) {
        @Override
        void decode(ByteBuffer littleEndian, double[] into, int from, int count) {
            littleEndian.asDoubleBuffer().get(into, from, count);
        }
    },
    F32(Float.BYTES) {
        @Override
        void decode(ByteBuffer littleEndian, double[] into, int from, int count) {
            // widening float to double is exact, so an F32 file loads without rounding
            for (int i = 0; i < count; i++) into[from + i] = littleEndian.getFloat(i * Float.BYTES);
        }
    };

    /** Bytes per element. */
    final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Reads {@code count} elements from the start of {@code littleEndian} into {@code into[from..]}. */
    abstract void decode(ByteBuffer littleEndian, double[] into, int from, int count);

    /** The type named {@code name} in a header, or null if this codec does not read it. */
    static DType named(String name) {
        for (DType t : values()) if (t.name().equals(name)) return t;
        return null;
    }
}
