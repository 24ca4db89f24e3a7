package io.merspark.evaluate;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ClassificationMetricsTest {

    @Test
    void perfectPredictionsScoreOne() {
        ClassificationMetrics m = ClassificationMetrics.fromLabels(new int[] {0, 1, 2, 2}, new int[] {0, 1, 2, 2}, 3);
        assertEquals(1.0, m.accuracy(), 1e-12);
        assertEquals(1.0, m.waf(), 1e-12);
    }

    @Test
    void weightedF1DiffersFromAccuracyOnImbalancedClasses() {
        // truth: 6 of class 0, 2 of class 1; all predicted as class 0.
        int[] truth = {0, 0, 0, 0, 0, 0, 1, 1};
        int[] pred = {0, 0, 0, 0, 0, 0, 0, 0};
        ClassificationMetrics m = ClassificationMetrics.fromLabels(truth, pred, 2);
        // hand-computed: class 0 P=6/8, R=1, F1=2*.75/(1.75)=0.857142...; class 1 F1=0
        assertEquals(0.75, m.accuracy(), 1e-12);
        assertEquals(6.0 / 7.0, m.perClassF1()[0], 1e-12);
        assertEquals(0.0, m.perClassF1()[1], 1e-12);
        assertEquals(0.75 * 6.0 / 7.0, m.waf(), 1e-12);
        assertEquals(0.5 * 6.0 / 7.0, m.macroF1(), 1e-12);
    }

    @Test
    void confusionIsTruthByPrediction() {
        ClassificationMetrics m = ClassificationMetrics.fromLabels(new int[] {0, 0, 1}, new int[] {1, 0, 1}, 2);
        assertArrayEquals(new long[] {1, 1}, m.confusion()[0]);
        assertArrayEquals(new long[] {0, 1}, m.confusion()[1]);
        assertEquals(0.5, m.perClassPrecision()[1], 1e-12);
        assertEquals(1.0, m.perClassRecall()[1], 1e-12);
        // class 0: P=1, R=.5, F1=2/3; class 1: P=.5, R=1, F1=2/3 -> WAF 2/3
        assertEquals(2.0 / 3.0, m.waf(), 1e-12);
    }
}
