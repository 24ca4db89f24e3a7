package io.merspark.train;

/**
 * Fixed sinusoidal position encodings (Vaswani et al. 2017): PE(p, 2i) = sin(p / 10000^(2i/d)),
 * PE(p, 2i+1) = cos(p / 10000^(2i/d)). Without them self-attention and mean pooling see a modality's frames,
 * windows or words as a set; with them the AGT can tell a rising from a falling contour. No weights, so
 * ensembles saved with them need nothing new but the spec's {@code positional}.
 */
final class PositionalEncoding {

    private PositionalEncoding() {
    }

    /** Row-major (length, width) table for positions 0..length-1. */
    static float[] sinusoidal(int length, int width) {
        float[] table = new float[length * width];
        for (int p = 0; p < length; p++) {
            for (int i = 0; i < width; i += 2) {
                double angle = p / Math.pow(10000, (double) i / width);
                table[p * width + i] = (float) Math.sin(angle);
                if (i + 1 < width) {
                    table[p * width + i + 1] = (float) Math.cos(angle);
                }
            }
        }
        return table;
    }
}
