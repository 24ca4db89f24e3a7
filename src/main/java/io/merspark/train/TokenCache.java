package io.merspark.train;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * Training rows spilled to a local binary file, so an epoch streams mini-batches from disk instead of holding
 * every token of every sample on the driver's heap. The heap keeps only the index (offset, label, weight per
 * row); a batch is read with positional reads, which the OS page cache serves after the first epoch.
 *
 * <p>Record layout (big-endian): id (int length + UTF-8), label int, weight float, then per modality the pooled
 * vector (int length, −1 when missing, floats) and the tokens (int count, −1 when missing, int width, floats).
 */
public final class TokenCache implements SampleSource, AutoCloseable {

    private final Path file;
    private final Index index;
    private final FileChannel channel;
    /** Whether {@link #close()} deletes the file: a spilled cache owns it, an attached one reads another's copy. */
    private final boolean owned;

    /**
     * Where each record lies and what it is labelled: all a reader of a copy of the file needs besides the bytes
     * (a few bytes per row, so it travels in a task's closure while the file travels as a file). {@code offsets}
     * has size + 1 entries: record i spans [offsets[i], offsets[i+1]).
     */
    public record Index(int modalities, long[] offsets, int[] labels, float[] weights) implements java.io.Serializable {
    }

    private TokenCache(Path file, Index index, boolean owned) throws IOException {
        this.file = file;
        this.index = index;
        this.owned = owned;
        this.channel = FileChannel.open(file, StandardOpenOption.READ);
        if (Files.size(file) != bytes()) {
            channel.close();
            throw new IOException(file + " has " + Files.size(file) + " bytes, its index " + bytes());
        }
    }

    /** Reads a copy of a spilled cache's file with that cache's index; {@link #close()} leaves the file in place. */
    public static TokenCache attach(Path file, Index index) {
        try {
            return new TokenCache(file, index, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open training rows " + file, e);
        }
    }

    /** Spills any source's rows to {@code file}, a chunk at a time. */
    public static TokenCache spill(SampleSource source, int modalities, Path file) {
        java.util.Iterator<FusionSample> rows = new java.util.Iterator<>() {
            private int next;
            private java.util.Iterator<FusionSample> chunk = java.util.Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                return chunk.hasNext() || next < source.size();
            }

            @Override
            public FusionSample next() {
                if (!chunk.hasNext()) {
                    int end = Math.min(source.size(), next + EnsembleMember.CHUNK);
                    chunk = source.read(java.util.stream.IntStream.range(next, end).toArray()).iterator();
                    next = end;
                }
                return chunk.next();
            }
        };
        return spill(rows, modalities, file);
    }

    /** Writes the rows to {@code file} as they arrive and returns the cache over it; the caller closes it. */
    public static TokenCache spill(Iterator<FusionSample> rows, int modalities, Path file) {
        long[] offsets = new long[1024];
        int[] labels = new int[1024];
        float[] weights = new float[1024];
        int n = 0;
        try (CountingStream counter = new CountingStream(Files.newOutputStream(file));
             DataOutputStream out = new DataOutputStream(new BufferedOutputStream(counter, 1 << 16))) {
            while (rows.hasNext()) {
                FusionSample s = rows.next();
                if (n + 1 >= offsets.length) {
                    offsets = Arrays.copyOf(offsets, offsets.length * 2);
                    labels = Arrays.copyOf(labels, labels.length * 2);
                    weights = Arrays.copyOf(weights, weights.length * 2);
                }
                out.flush();
                offsets[n] = counter.count;
                labels[n] = s.label();
                weights[n] = s.weight();
                write(out, s, modalities);
                n++;
            }
            out.flush();
            offsets[n] = counter.count;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot spill training rows to " + file, e);
        }
        try {
            return new TokenCache(file, new Index(modalities, Arrays.copyOf(offsets, n + 1), Arrays.copyOf(labels, n),
                    Arrays.copyOf(weights, n)), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + file, e);
        }
    }

    private static void write(DataOutputStream out, FusionSample s, int modalities) throws IOException {
        byte[] id = (s.sampleId() == null ? "" : s.sampleId()).getBytes(StandardCharsets.UTF_8);
        out.writeInt(id.length);
        out.write(id);
        out.writeInt(s.label());
        out.writeFloat(s.weight());
        for (int m = 0; m < modalities; m++) {
            float[] pooled = s.features() == null ? null : s.features()[m];
            out.writeInt(pooled == null ? -1 : pooled.length);
            if (pooled != null) {
                for (float v : pooled) {
                    out.writeFloat(v);
                }
            }
            float[][] tokens = s.tokens() == null ? null : s.tokens()[m];
            out.writeInt(tokens == null ? -1 : tokens.length);
            if (tokens != null) {
                out.writeInt(tokens[0].length);
                for (float[] t : tokens) {
                    for (float v : t) {
                        out.writeFloat(v);
                    }
                }
            }
        }
    }

    @Override
    public int size() {
        return index.labels().length;
    }

    @Override
    public int label(int row) {
        return index.labels()[row];
    }

    @Override
    public float weight(int row) {
        return index.weights()[row];
    }

    /** The file the rows are in. */
    public Path file() {
        return file;
    }

    /** The record index of the file, for {@link #attach}. */
    public Index index() {
        return index;
    }

    /** Bytes on disk. */
    public long bytes() {
        long[] offsets = index.offsets();
        return offsets[offsets.length - 1];
    }

    @Override
    public List<FusionSample> read(int[] rows) {
        List<FusionSample> out = new ArrayList<>(rows.length);
        for (int r : rows) {
            out.add(readRow(r));
        }
        return out;
    }

    private FusionSample readRow(int r) {
        long[] offsets = index.offsets();
        int length = (int) (offsets[r + 1] - offsets[r]);
        ByteBuffer buf = ByteBuffer.allocate(length);
        try {
            long pos = offsets[r];
            while (buf.hasRemaining()) {
                int read = channel.read(buf, pos + buf.position());
                if (read < 0) {
                    throw new IOException("unexpected end of " + file);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read row " + r + " of " + file, e);
        }
        buf.flip();
        byte[] id = new byte[buf.getInt()];
        buf.get(id);
        int label = buf.getInt();
        float weight = buf.getFloat();
        int modalities = index.modalities();
        float[][] pooled = new float[modalities][];
        float[][][] tokens = new float[modalities][][];
        boolean anyTokens = false;
        for (int m = 0; m < modalities; m++) {
            int len = buf.getInt();
            if (len >= 0) {
                pooled[m] = new float[len];
                buf.asFloatBuffer().get(pooled[m]);
                buf.position(buf.position() + 4 * len);
            }
            int count = buf.getInt();
            if (count >= 0) {
                int width = buf.getInt();
                tokens[m] = new float[count][width];
                for (int t = 0; t < count; t++) {
                    buf.asFloatBuffer().get(tokens[m][t]);
                    buf.position(buf.position() + 4 * width);
                }
                anyTokens = true;
            }
        }
        return new FusionSample(new String(id, StandardCharsets.UTF_8), pooled, label, weight, anyTokens ? tokens : null);
    }

    /** Closes the file, and deletes it when this cache spilled it. */
    @Override
    public void close() {
        try {
            channel.close();
            if (owned) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + file, e);
        }
    }

    /** Counts the bytes written, for the record offsets. */
    private static final class CountingStream extends java.io.FilterOutputStream {
        long count;

        CountingStream(java.io.OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
