package io.merspark.train;

import io.merspark.evaluate.CalibrationMetrics;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Temperature scaling (Guo et al. 2017): one T > 0 with p = softmax(z / T), fitted by minimising the NLL of
 * out-of-fold gold logits. It changes no prediction, only how confident each one is, so every confidence
 * threshold downstream reads a probability that means what it says.
 */
public final class TemperatureScaling {

    /** Search range of log T: T in [1/100, 100]. */
    private static final double LOG_T_BOUND = Math.log(100);
    private static final double GOLDEN = (Math.sqrt(5) - 1) / 2;

    private TemperatureScaling() {
    }

    /**
     * What fitting found, and the calibration of the same out-of-fold rows before (T = 1) and after.
     *
     * @param rows rows the temperature was fitted on
     */
    public record Fit(double temperature, int rows, double eceBefore, double eceAfter, double nllBefore,
                      double nllAfter) {

        /** As recorded in train.json / metrics.json ({@code calibration}). */
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("method", "temperature");
            m.put("temperature", temperature);
            m.put("rows", rows);
            m.put("ece_bins", CalibrationMetrics.BINS);
            m.put("ece_before", eceBefore);
            m.put("ece_after", eceAfter);
            m.put("nll_before", nllBefore);
            m.put("nll_after", nllAfter);
            return m;
        }
    }

    /**
     * The T minimising the mean NLL of softmax(logits / T): golden-section search on log T (the NLL is convex
     * in 1/T, so unimodal in log T) to a relative precision of 1e-9.
     *
     * @param logits (rows, classes) out-of-fold logits
     * @param labels true class per row
     */
    public static Fit fit(float[][] logits, int[] labels) {
        if (logits.length != labels.length || logits.length == 0) {
            throw new IllegalArgumentException("need as many labels as logit rows (and at least one), got "
                    + labels.length + " and " + logits.length);
        }
        double lo = -LOG_T_BOUND;
        double hi = LOG_T_BOUND;
        double a = hi - GOLDEN * (hi - lo);
        double b = lo + GOLDEN * (hi - lo);
        double fa = nll(logits, labels, Math.exp(a));
        double fb = nll(logits, labels, Math.exp(b));
        while (hi - lo > 1e-9) {
            if (fa <= fb) {
                hi = b;
                b = a;
                fb = fa;
                a = hi - GOLDEN * (hi - lo);
                fa = nll(logits, labels, Math.exp(a));
            } else {
                lo = a;
                a = b;
                fa = fb;
                b = lo + GOLDEN * (hi - lo);
                fb = nll(logits, labels, Math.exp(b));
            }
        }
        double t = Math.exp((lo + hi) / 2);
        float[][] before = FusionEnsemble.softmax(logits);
        float[][] after = apply(logits, t);
        return new Fit(t, logits.length, CalibrationMetrics.ece(before, labels, CalibrationMetrics.BINS),
                CalibrationMetrics.ece(after, labels, CalibrationMetrics.BINS),
                CalibrationMetrics.nll(before, labels), CalibrationMetrics.nll(after, labels));
    }

    /** softmax(logits / t) per row. */
    public static float[][] apply(float[][] logits, double t) {
        return FusionEnsemble.softmax(scale(logits, t));
    }

    /** logits / t (a copy; t = 1 returns the rows unchanged). */
    public static float[][] scale(float[][] logits, double t) {
        if (t == 1.0) {
            return logits;
        }
        float[][] out = new float[logits.length][];
        for (int r = 0; r < logits.length; r++) {
            out[r] = new float[logits[r].length];
            for (int c = 0; c < logits[r].length; c++) {
                out[r][c] = (float) (logits[r][c] / t);
            }
        }
        return out;
    }

    /** Mean −log softmax(z / t)[label], computed in double with log-sum-exp. */
    static double nll(float[][] logits, int[] labels, double t) {
        double sum = 0;
        for (int r = 0; r < logits.length; r++) {
            float[] z = logits[r];
            double max = Double.NEGATIVE_INFINITY;
            for (float v : z) {
                max = Math.max(max, v / t);
            }
            double s = 0;
            for (float v : z) {
                s += Math.exp(v / t - max);
            }
            sum += max + Math.log(s) - z[labels[r]] / t;
        }
        return sum / logits.length;
    }
}
