package io.merspark.evaluate;

import java.util.Arrays;

/**
 * Multi-class metrics from a confusion matrix ({@code confusion[truth][pred]} counts).
 * WAF — the MER challenge metric — is the support-weighted mean of per-class F1.
 */
public final class ClassificationMetrics {

    private final long[][] confusion;
    private final double[] precision;
    private final double[] recall;
    private final double[] f1;
    private final long[] support;
    private final long total;

    private ClassificationMetrics(long[][] confusion) {
        int k = confusion.length;
        this.confusion = new long[k][];
        for (int i = 0; i < k; i++) {
            if (confusion[i].length != k) {
                throw new IllegalArgumentException("confusion matrix must be square, row " + i + " has " + confusion[i].length);
            }
            this.confusion[i] = confusion[i].clone();
        }
        precision = new double[k];
        recall = new double[k];
        f1 = new double[k];
        support = new long[k];
        long n = 0;
        for (int c = 0; c < k; c++) {
            long tp = this.confusion[c][c];
            long predicted = 0;
            long actual = 0;
            for (int o = 0; o < k; o++) {
                predicted += this.confusion[o][c];
                actual += this.confusion[c][o];
            }
            support[c] = actual;
            n += actual;
            // sklearn's zero_division=0 convention: an empty denominator gives 0.
            precision[c] = predicted == 0 ? 0 : (double) tp / predicted;
            recall[c] = actual == 0 ? 0 : (double) tp / actual;
            double pr = precision[c] + recall[c];
            f1[c] = pr == 0 ? 0 : 2 * precision[c] * recall[c] / pr;
        }
        total = n;
    }

    public static ClassificationMetrics fromConfusion(long[][] confusion) {
        return new ClassificationMetrics(confusion);
    }

    /** Labels are class indices in {@code [0, numClasses)}. */
    public static ClassificationMetrics fromLabels(int[] truth, int[] pred, int numClasses) {
        if (truth.length != pred.length) {
            throw new IllegalArgumentException("truth and pred differ in length: " + truth.length + " vs " + pred.length);
        }
        long[][] m = new long[numClasses][numClasses];
        for (int i = 0; i < truth.length; i++) {
            m[truth[i]][pred[i]]++;
        }
        return new ClassificationMetrics(m);
    }

    public long total() {
        return total;
    }

    public double accuracy() {
        if (total == 0) {
            return 0;
        }
        long correct = 0;
        for (int c = 0; c < confusion.length; c++) {
            correct += confusion[c][c];
        }
        return (double) correct / total;
    }

    /** Weighted F1: per-class F1 weighted by the class's support (true count). */
    public double waf() {
        if (total == 0) {
            return 0;
        }
        double s = 0;
        for (int c = 0; c < f1.length; c++) {
            s += f1[c] * support[c];
        }
        return s / total;
    }

    public double macroF1() {
        return Arrays.stream(f1).average().orElse(0);
    }

    public double[] perClassF1() {
        return f1.clone();
    }

    public double[] perClassPrecision() {
        return precision.clone();
    }

    public double[] perClassRecall() {
        return recall.clone();
    }

    public long[] support() {
        return support.clone();
    }

    public long[][] confusion() {
        long[][] copy = new long[confusion.length][];
        for (int i = 0; i < confusion.length; i++) {
            copy[i] = confusion[i].clone();
        }
        return copy;
    }

    /** The index of the largest value; the first one on a tie. */
    public static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
