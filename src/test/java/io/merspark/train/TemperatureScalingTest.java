package io.merspark.train;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TemperatureScalingTest {

    /** Labels drawn from softmax(z); the returned logits are {@code scale · z}. */
    private static float[][] logits(int n, int classes, double scale, long seed, int[] labelsOut) {
        Random random = new Random(seed);
        float[][] out = new float[n][classes];
        for (int r = 0; r < n; r++) {
            double[] z = new double[classes];
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                z[c] = 1.5 * random.nextGaussian();
                max = Math.max(max, z[c]);
            }
            double sum = 0;
            for (double v : z) {
                sum += Math.exp(v - max);
            }
            double u = random.nextDouble() * sum;
            int label = classes - 1;
            for (int c = 0; c < classes; c++) {
                u -= Math.exp(z[c] - max);
                if (u <= 0) {
                    label = c;
                    break;
                }
            }
            labelsOut[r] = label;
            for (int c = 0; c < classes; c++) {
                out[r][c] = (float) (scale * z[c]);
            }
        }
        return out;
    }

    @Test
    void logitsScaledByThreeAreCalibratedByTemperatureThree() {
        int[] labels = new int[20_000];
        float[][] z = logits(labels.length, 6, 3.0, 7, labels);
        TemperatureScaling.Fit fit = TemperatureScaling.fit(z, labels);
        assertEquals(3.0, fit.temperature(), 0.08);
        assertEquals(labels.length, fit.rows());
        assertTrue(fit.nllAfter() < fit.nllBefore(), fit.toString());
        assertTrue(fit.eceAfter() < 0.02 && fit.eceBefore() > 0.15, fit.toString());
        // the fit is the NLL's minimum: a step either side is worse
        double best = TemperatureScaling.nll(z, labels, fit.temperature());
        assertEquals(fit.nllAfter(), best, 1e-6);
        assertTrue(TemperatureScaling.nll(z, labels, fit.temperature() * 1.01) > best);
        assertTrue(TemperatureScaling.nll(z, labels, fit.temperature() / 1.01) > best);
    }

    @Test
    void calibratedLogitsKeepTemperatureOneAndUnderconfidentOnesGetBelowOne() {
        int[] labels = new int[20_000];
        assertEquals(1.0, TemperatureScaling.fit(logits(labels.length, 4, 1.0, 11, labels), labels).temperature(), 0.04);
        assertEquals(0.5, TemperatureScaling.fit(logits(labels.length, 4, 0.5, 13, labels), labels).temperature(), 0.03);
    }

    @Test
    void scalingKeepsEveryPrediction() {
        float[][] z = {{2f, 1f, -1f}, {0f, 3f, 2.9f}};
        float[][] p = TemperatureScaling.apply(z, 2.5);
        assertEquals(0, FoldTrainer.argmax(p[0]));
        assertEquals(1, FoldTrainer.argmax(p[1]));
        double e0 = Math.exp(2 / 2.5), e1 = Math.exp(1 / 2.5), e2 = Math.exp(-1 / 2.5);
        assertEquals(e0 / (e0 + e1 + e2), p[0][0], 1e-6);
        assertEquals(e2 / (e0 + e1 + e2), p[0][2], 1e-6);
    }
}
