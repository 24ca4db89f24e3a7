package io.merspark.train;

import java.util.List;

/**
 * Per-modality, per-dimension standardisation. The pooled embeddings live on very different scales
 * (face CNN activations up to ~24, unit-length sentence embeddings), and without it the widest-valued
 * modality dominates the first epochs. Fitted on a fold's training rows only and stored with the member.
 *
 * @param mean per modality, the mean of each dimension over the rows where the modality is present
 * @param std  per modality, the population standard deviation (1 where a dimension is constant)
 */
public record FeatureScaler(float[][] mean, float[][] std) implements java.io.Serializable {

    private static final double MIN_STD = 1e-6;

    /** Fits on the present vectors; a modality absent from every row keeps mean 0 and std 1. */
    public static FeatureScaler fit(List<float[][]> rows, int[] dims) {
        int modalities = dims.length;
        float[][] mean = new float[modalities][];
        float[][] std = new float[modalities][];
        for (int m = 0; m < modalities; m++) {
            double[] sum = new double[dims[m]];
            double[] sumSq = new double[dims[m]];
            long count = 0;
            for (float[][] row : rows) {
                float[] v = row[m];
                if (v == null) {
                    continue;
                }
                count++;
                for (int d = 0; d < v.length; d++) {
                    sum[d] += v[d];
                    sumSq[d] += (double) v[d] * v[d];
                }
            }
            mean[m] = new float[dims[m]];
            std[m] = new float[dims[m]];
            for (int d = 0; d < dims[m]; d++) {
                double mu = count == 0 ? 0 : sum[d] / count;
                double var = count == 0 ? 1 : Math.max(0, sumSq[d] / count - mu * mu);
                double sd = Math.sqrt(var);
                mean[m][d] = (float) mu;
                std[m][d] = (float) (sd < MIN_STD ? 1 : sd);
            }
        }
        return new FeatureScaler(mean, std);
    }

    /**
     * Fits in one streaming pass: vectors are added one at a time, so token sequences that do not fit in
     * memory together can be standardised too. Sums are kept in double precision.
     */
    public static final class Accumulator {
        private final double[][] sum;
        private final double[][] sumSq;
        private final long[] count;

        public Accumulator(int[] dims) {
            sum = new double[dims.length][];
            sumSq = new double[dims.length][];
            count = new long[dims.length];
            for (int m = 0; m < dims.length; m++) {
                sum[m] = new double[dims[m]];
                sumSq[m] = new double[dims[m]];
            }
        }

        public void add(int m, float[] v) {
            count[m]++;
            for (int d = 0; d < v.length; d++) {
                sum[m][d] += v[d];
                sumSq[m][d] += (double) v[d] * v[d];
            }
        }

        public FeatureScaler build() {
            float[][] mean = new float[sum.length][];
            float[][] std = new float[sum.length][];
            for (int m = 0; m < sum.length; m++) {
                int n = sum[m].length;
                mean[m] = new float[n];
                std[m] = new float[n];
                for (int d = 0; d < n; d++) {
                    double mu = count[m] == 0 ? 0 : sum[m][d] / count[m];
                    double var = count[m] == 0 ? 1 : Math.max(0, sumSq[m][d] / count[m] - mu * mu);
                    double sd = Math.sqrt(var);
                    mean[m][d] = (float) mu;
                    std[m][d] = (float) (sd < MIN_STD ? 1 : sd);
                }
            }
            return new FeatureScaler(mean, std);
        }
    }

    /** Writes the standardised vector of modality {@code m} into {@code out} at {@code offset}. */
    void scaleInto(int m, float[] v, float[] out, int offset) {
        float[] mu = mean[m];
        float[] sd = std[m];
        for (int d = 0; d < v.length; d++) {
            out[offset + d] = (v[d] - mu[d]) / sd[d];
        }
    }

    public int numModalities() {
        return mean.length;
    }
}
