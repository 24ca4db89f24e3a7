package io.merspark.bench;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes NumPy {@code .npy} (format 1.0) files: little-endian float32 or int64, C order. */
public final class NpyWriter {

    private NpyWriter() {
    }

    public static void floats(Path file, float[] data, long... shape) throws IOException {
        try (DataOutputStream out = open(file, "<f4", shape)) {
            byte[] buf = new byte[4 * data.length];
            java.nio.ByteBuffer.wrap(buf).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(data);
            out.write(buf);
        }
    }

    public static void longs(Path file, long[] data, long... shape) throws IOException {
        try (DataOutputStream out = open(file, "<i8", shape)) {
            byte[] buf = new byte[8 * data.length];
            java.nio.ByteBuffer.wrap(buf).order(java.nio.ByteOrder.LITTLE_ENDIAN).asLongBuffer().put(data);
            out.write(buf);
        }
    }

    private static DataOutputStream open(Path file, String dtype, long... shape) throws IOException {
        StringBuilder dims = new StringBuilder();
        for (long d : shape) {
            dims.append(d).append(", ");
        }
        String dimText = shape.length == 1 ? shape[0] + "," : dims.substring(0, dims.length() - 2);
        String header = "{'descr': '" + dtype + "', 'fortran_order': False, 'shape': (" + dimText + "), }";
        int total = 10 + header.length() + 1;
        int pad = (64 - total % 64) % 64;
        header = header + " ".repeat(pad) + "\n";
        OutputStream raw = Files.newOutputStream(file);
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw, 1 << 16));
        out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        byte[] h = header.getBytes(StandardCharsets.US_ASCII);
        out.write(h.length & 0xff);
        out.write((h.length >> 8) & 0xff);
        out.write(h);
        return out;
    }
}
