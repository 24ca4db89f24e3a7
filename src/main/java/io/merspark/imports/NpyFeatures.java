package io.merspark.imports;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One MER tool-chain feature file ({@code <sample_id>.npy}) decoded with DJL's NumPy support
 * ({@link NDList#decode(NDManager, byte[])}): a 1-D {@code (D,)} utterance-level vector or a 2-D {@code (T, D)}
 * sequence of frame vectors, float16/32/64. Anything else is a {@link BadFile} with a reason for the errors table.
 * The manager must belong to an engine that converts float16 and transposes (PyTorch); the caller closes it.
 */
public final class NpyFeatures {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Set<DataType> FLOATS = Set.of(DataType.FLOAT16, DataType.FLOAT32, DataType.FLOAT64);
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*True");
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
    private static final Pattern UNSUPPORTED = Pattern.compile("Unsupported dataType: (.*)");

    private NpyFeatures() {
    }

    /** A decoded file: {@code frames} has one row for a 1-D file. */
    public record Decoded(float[][] frames, boolean utteranceLevel) {
        public int width() {
            return frames[0].length;
        }

        /** The vector itself for a 1-D file, the mean over T for a 2-D one. */
        public float[] pooled() {
            if (frames.length == 1) {
                return frames[0].clone();
            }
            double[] sum = new double[width()];
            for (float[] f : frames) {
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += f[i];
                }
            }
            float[] mean = new float[sum.length];
            for (int i = 0; i < sum.length; i++) {
                mean[i] = (float) (sum[i] / frames.length);
            }
            return mean;
        }
    }

    /** A file that cannot be imported; the message is the reason. */
    public static final class BadFile extends Exception {
        public BadFile(String reason) {
            super(reason);
        }
    }

    public static Decoded decode(NDManager manager, byte[] bytes) throws BadFile {
        if (bytes.length == 0) {
            throw new BadFile("empty file");
        }
        if (bytes.length < MAGIC.length || !Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
            throw new BadFile("not an .npy file (no NumPy magic)");
        }
        boolean fortran = false;
        byte[] input = bytes;
        String header = header(bytes);
        if (header != null && FORTRAN.matcher(header).find()) {
            // DJL reads C order only: the same data read as C order with the shape reversed is the transpose.
            input = cOrderTransposed(bytes, header);
            fortran = true;
        }
        NDArray array;
        try {
            NDList list = NDList.decode(manager, input);
            if (list.size() != 1) {
                throw new BadFile("expected one array, got " + list.size());
            }
            array = list.get(0);
        } catch (IllegalArgumentException | IllegalStateException | IndexOutOfBoundsException e) {
            Matcher m = UNSUPPORTED.matcher(String.valueOf(e.getMessage()));
            if (m.find()) {
                throw new BadFile("unsupported dtype " + m.group(1) + " (float16, float32 or float64 expected)");
            }
            throw new BadFile("truncated or malformed .npy (" + e.getMessage() + ")");
        } catch (RuntimeException e) {
            throw new BadFile("truncated or malformed .npy (" + e + ")");
        }
        if (fortran) {
            array = array.transpose();
        }
        Shape shape = array.getShape();
        if (!FLOATS.contains(array.getDataType())) {
            throw new BadFile("unsupported dtype " + array.getDataType() + " (float16, float32 or float64 expected)");
        }
        if (shape.dimension() != 1 && shape.dimension() != 2) {
            throw new BadFile("rank " + shape.dimension() + " array of shape " + shape
                    + ", expected (D,) or (T, D)");
        }
        if (shape.size() == 0) {
            throw new BadFile("empty array of shape " + shape);
        }
        float[] flat = array.toType(DataType.FLOAT32, false).toFloatArray();
        for (float v : flat) {
            if (!Float.isFinite(v)) {
                throw new BadFile("non-finite values (NaN/Inf)");
            }
        }
        boolean utterance = shape.dimension() == 1;
        int rows = utterance ? 1 : (int) shape.get(0);
        int width = (int) shape.get(shape.dimension() - 1);
        float[][] frames = new float[rows][];
        for (int r = 0; r < rows; r++) {
            frames[r] = Arrays.copyOfRange(flat, r * width, (r + 1) * width);
        }
        return new Decoded(frames, utterance);
    }

    /** The header dict of a version 1, 2 or 3 file, or null when the file is too short to hold one. */
    private static String header(byte[] bytes) {
        if (bytes.length < 10) {
            return null;
        }
        int major = bytes[6];
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int offset = major == 1 ? 10 : 12;
        long length = major == 1 ? Short.toUnsignedInt(b.getShort(8)) : Integer.toUnsignedLong(b.getInt(8));
        if (bytes.length < offset + length) {
            return null;
        }
        return new String(bytes, offset, (int) length, StandardCharsets.ISO_8859_1);
    }

    private static byte[] cOrderTransposed(byte[] bytes, String header) throws BadFile {
        Matcher descr = DESCR.matcher(header);
        Matcher shape = SHAPE.matcher(header);
        if (!descr.find() || !shape.find()) {
            throw new BadFile("malformed .npy header: " + header.trim());
        }
        String[] dims = Arrays.stream(shape.group(1).split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .toArray(String[]::new);
        StringBuilder reversed = new StringBuilder();
        for (int i = dims.length - 1; i >= 0; i--) {
            reversed.append(dims[i]).append(", ");
        }
        String shapeText = dims.length == 1 ? dims[0] + "," : reversed.substring(0, Math.max(0, reversed.length() - 2));
        String dict = "{'descr': '" + descr.group(1) + "', 'fortran_order': False, 'shape': (" + shapeText + "), }";
        if (dict.length() + 1 > header.length()) {
            throw new BadFile("malformed .npy header: " + header.trim());
        }
        String padded = dict + " ".repeat(header.length() - dict.length() - 1) + "\n";
        byte[] out = bytes.clone();
        int offset = bytes[6] == 1 ? 10 : 12;
        System.arraycopy(padded.getBytes(StandardCharsets.ISO_8859_1), 0, out, offset, padded.length());
        return out;
    }
}
