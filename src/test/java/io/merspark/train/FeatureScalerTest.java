package io.merspark.train;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class FeatureScalerTest {

    @Test
    void standardisesPresentVectorsAndIgnoresMissingOnes() {
        List<float[][]> rows = List.of(
                new float[][] {{1, 10}, {5}},
                new float[][] {{3, 10}, null},
                new float[][] {{5, 10}, {7}});
        FeatureScaler scaler = FeatureScaler.fit(rows, new int[] {2, 1});

        assertArrayEquals(new float[] {3, 10}, scaler.mean()[0]);
        assertEquals((float) Math.sqrt(8.0 / 3), scaler.std()[0][0], 1e-6);
        assertEquals(1f, scaler.std()[0][1], "a constant dimension keeps std 1");
        assertArrayEquals(new float[] {6}, scaler.mean()[1], "the missing row does not count");
        assertArrayEquals(new float[] {1}, scaler.std()[1]);

        float[] out = new float[3];
        scaler.scaleInto(0, new float[] {5, 10}, out, 1);
        assertArrayEquals(new float[] {0, (float) (2 / Math.sqrt(8.0 / 3)), 0}, out, 1e-6f);
    }

    @Test
    void aModalityNeverSeenIsLeftAsIs() {
        FeatureScaler scaler = FeatureScaler.fit(List.<float[][]>of(new float[][] {{2}, null}), new int[] {1, 2});
        assertArrayEquals(new float[] {0, 0}, scaler.mean()[1]);
        assertArrayEquals(new float[] {1, 1}, scaler.std()[1]);
    }
}
