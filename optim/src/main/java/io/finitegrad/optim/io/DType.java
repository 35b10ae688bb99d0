package io.finitegrad.optim.io;

import io.finitegrad.core.FloatFormats;
import java.nio.ByteBuffer;

/**
 * The floating-point safetensors element types this codec reads and writes. Reading widens every
 * type to double exactly; writing rounds each double to the nearest value of the type (ties to
 * even, overflow to infinity, NaN kept NaN), see {@link FloatFormats}. Files are written as
 * {@link #F64} unless {@link WriteOptions} ask for another type.
 */
public enum DType {
    /** IEEE binary64, written and read bit for bit (NaN payloads and -0.0 kept). */
    F64(Double.BYTES) {
        @Override
        void decode(ByteBuffer littleEndian, double[] into, int from, int count) {
            littleEndian.asDoubleBuffer().get(into, from, count);
        }

        @Override
        void encode(double[] values, int from, int count, ByteBuffer littleEndian) {
            littleEndian.asDoubleBuffer().put(values, from, count);
        }
    },
    /** IEEE binary32. */
    F32(Float.BYTES) {
        @Override
        void decode(ByteBuffer littleEndian, double[] into, int from, int count) {
            for (int i = 0; i < count; i++) into[from + i] = littleEndian.getFloat(i * Float.BYTES);
        }

        @Override
        void encode(double[] values, int from, int count, ByteBuffer littleEndian) {
            for (int i = 0; i < count; i++) littleEndian.putFloat(i * Float.BYTES, FloatFormats.doubleToFloat(values[from + i]));
        }
    },
    /** IEEE binary16 (PyTorch's {@code float16}). */
    F16(Short.BYTES) {
        @Override
        void decode(ByteBuffer littleEndian, double[] into, int from, int count) {
            for (int i = 0; i < count; i++) into[from + i] = FloatFormats.halfToDouble(littleEndian.getShort(i * Short.BYTES));
        }

        @Override
        void encode(double[] values, int from, int count, ByteBuffer littleEndian) {
            for (int i = 0; i < count; i++) littleEndian.putShort(i * Short.BYTES, FloatFormats.doubleToHalf(values[from + i]));
        }
    },
    /** bfloat16 (PyTorch's {@code bfloat16}): the top half of a float. */
    BF16(Short.BYTES) {
        @Override
        void decode(ByteBuffer littleEndian, double[] into, int from, int count) {
            for (int i = 0; i < count; i++) into[from + i] = FloatFormats.bfloat16ToDouble(littleEndian.getShort(i * Short.BYTES));
        }

        @Override
        void encode(double[] values, int from, int count, ByteBuffer littleEndian) {
            for (int i = 0; i < count; i++) {
                littleEndian.putShort(i * Short.BYTES, FloatFormats.doubleToBfloat16(values[from + i]));
            }
        }
    };

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element in a file. */
    public int bytes() {
        return bytes;
    }

    /** Reads {@code count} elements from the start of {@code littleEndian} into {@code into[from..]}. */
    abstract void decode(ByteBuffer littleEndian, double[] into, int from, int count);

    /** Writes {@code values[from..from+count)} at the start of {@code littleEndian}, rounded to this type. */
    abstract void encode(double[] values, int from, int count, ByteBuffer littleEndian);

    /** The type named {@code name} in a header, or null if this codec does not read it. */
    static DType named(String name) {
        for (DType t : values()) if (t.name().equals(name)) return t;
        return null;
    }
}
