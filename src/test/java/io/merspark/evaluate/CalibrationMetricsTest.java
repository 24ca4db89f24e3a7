package io.merspark.evaluate;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CalibrationMetricsTest {

    /** Five rows in three of the 15 bins, none on a bin edge. */
    private static final float[][] PROBS = {
            {0.90f, 0.05f, 0.05f},   // bin 13, right
            {0.92f, 0.04f, 0.04f},   // bin 13, wrong (truth 2)
            {0.20f, 0.50f, 0.30f},   // bin 7, right
            {0.62f, 0.20f, 0.18f},   // bin 9, right
            {0.10f, 0.26f, 0.64f},   // bin 9, right
    };
    private static final int[] LABELS = {0, 2, 1, 0, 2};

    @Test
    void eceIsTheCountWeightedGapBetweenAccuracyAndConfidencePerBin() {
        // bin 13: accuracy 1/2, confidence 0.91; bin 7: 1 vs 0.50; bin 9: 1 vs 0.63
        double expected = 2.0 / 5 * Math.abs(0.5 - ((double) 0.90f + 0.92f) / 2.0)
                + 1.0 / 5 * Math.abs(1 - (double) 0.50f)
                + 2.0 / 5 * Math.abs(1 - ((double) 0.62f + 0.64f) / 2.0);
        assertEquals(0.412, expected, 1e-6);
        assertEquals(expected, CalibrationMetrics.ece(PROBS, LABELS, 15), 1e-12);
    }

    @Test
    void oneBinEceIsTheGapBetweenAccuracyAndMeanConfidence() {
        double meanConfidence = ((double) 0.90f + 0.92f + 0.50f + 0.62f + 0.64f) / 5.0;
        assertEquals(Math.abs(0.8 - meanConfidence), CalibrationMetrics.ece(PROBS, LABELS, 1), 1e-12);
    }

    @Test
    void nllIsTheMeanNegativeLogProbabilityOfTheTrueClass() {
        double expected = -(Math.log(0.90f) + Math.log(0.04f) + Math.log(0.50f) + Math.log(0.62f) + Math.log(0.64f)) / 5;
        assertEquals(expected, CalibrationMetrics.nll(PROBS, LABELS), 1e-12);
    }

    @Test
    void mismatchedOrEmptyInputIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> CalibrationMetrics.ece(PROBS, new int[] {0}, 15));
        assertThrows(IllegalArgumentException.class, () -> CalibrationMetrics.nll(new float[0][], new int[0]));
        assertThrows(IllegalArgumentException.class, () -> CalibrationMetrics.ece(PROBS, LABELS, 0));
    }
}
