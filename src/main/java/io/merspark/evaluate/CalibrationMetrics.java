package io.merspark.evaluate;

/**
 * How well predicted confidence matches accuracy: expected calibration error over equal-width confidence bins
 * (Guo et al. 2017) and the mean negative log-likelihood of the true class.
 */
public final class CalibrationMetrics {

    /** The bin count of the ECE reported in train.json / metrics.json. */
    public static final int BINS = 15;

    private CalibrationMetrics() {
    }

    /**
     * ECE = Σ_b (n_b / n) · |accuracy_b − mean confidence_b| over {@code bins} bins (i/bins, (i+1)/bins] of the
     * top-class probability; a confidence of exactly 0 falls in the first bin.
     *
     * @param probs  (rows, classes) probabilities
     * @param labels true class per row
     */
    public static double ece(float[][] probs, int[] labels, int bins) {
        check(probs, labels);
        if (bins < 1) {
            throw new IllegalArgumentException("bins must be >= 1, was " + bins);
        }
        double[] confidenceSum = new double[bins];
        long[] correct = new long[bins];
        long[] count = new long[bins];
        for (int r = 0; r < probs.length; r++) {
            int top = ClassificationMetrics.argmax(probs[r]);
            double conf = probs[r][top];
            int b = Math.min(bins - 1, Math.max(0, (int) Math.ceil(conf * bins) - 1));
            confidenceSum[b] += conf;
            correct[b] += top == labels[r] ? 1 : 0;
            count[b]++;
        }
        double ece = 0;
        for (int b = 0; b < bins; b++) {
            if (count[b] > 0) {
                ece += Math.abs((double) correct[b] / count[b] - confidenceSum[b] / count[b]) * count[b] / probs.length;
            }
        }
        return ece;
    }

    /** Mean −log p(true class); a probability of 0 counts as {@code 1e-12}, so one certain mistake is finite. */
    public static double nll(float[][] probs, int[] labels) {
        check(probs, labels);
        double sum = 0;
        for (int r = 0; r < probs.length; r++) {
            sum -= Math.log(Math.max(probs[r][labels[r]], 1e-12));
        }
        return sum / probs.length;
    }

    private static void check(float[][] probs, int[] labels) {
        if (probs.length != labels.length) {
            throw new IllegalArgumentException("probs and labels differ in length: " + probs.length + " vs " + labels.length);
        }
        if (probs.length == 0) {
            throw new IllegalArgumentException("no rows to measure calibration on");
        }
    }
}
