package io.merspark.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class InputNoiseTest {

    private static NDManager manager() {
        return NDManager.newBaseManager(ai.djl.Device.cpu(), FusionDevices.ENGINE);
    }

    @Test
    void tokensGetNoiseOfTheGivenSdWhereTheMaskIsOnAndNoneInThePadding() {
        try (NDManager m = manager()) {
            // 2 clips x 3 token slots x 2000 values, all 5; clip 0 has 2 tokens, clip 1 one (the rest is padding)
            float[] values = new float[2 * 3 * 2000];
            java.util.Arrays.fill(values, 5f);
            NDArray tokens = m.create(values, new Shape(2, 3, 2000));
            NDArray mask = m.create(new float[] {1, 1, 0, 1, 0, 0}, new Shape(2, 3));
            NDList in = new NDList(tokens, mask);
            m.getEngine().setRandomSeed(7);

            NDList out = InputNoise.add(in, 0.3, true);

            float[] noisy = out.get(0).toFloatArray();
            double sum = 0;
            double sq = 0;
            int n = 0;
            for (int b = 0; b < 2; b++) {
                for (int t = 0; t < 3; t++) {
                    boolean present = (b == 0 && t < 2) || (b == 1 && t == 0);
                    for (int d = 0; d < 2000; d++) {
                        float v = noisy[(b * 3 + t) * 2000 + d];
                        if (present) {
                            sum += v - 5;
                            sq += (v - 5) * (v - 5);
                            n++;
                        } else {
                            assertEquals(5f, v, 0f, "padding at clip " + b + " slot " + t);
                        }
                    }
                }
            }
            // 6000 draws: the mean within 0.02 of 0 (5 standard errors), the sd within 0.02 of 0.3
            assertEquals(0, sum / n, 0.02);
            assertEquals(0.3, Math.sqrt(sq / n), 0.02);
            assertArrayEquals(mask.toFloatArray(), out.get(1).toFloatArray());

            // the engine's seed makes it reproducible, and a new seed gives other noise
            m.getEngine().setRandomSeed(7);
            assertArrayEquals(noisy, InputNoise.add(in, 0.3, true).get(0).toFloatArray());
            m.getEngine().setRandomSeed(8);
            assertNotEquals(noisy[0], InputNoise.add(in, 0.3, true).get(0).toFloatArray()[0]);
        }
    }

    @Test
    void pooledVectorsOfAMissingModalityStayZeroAndZeroSdIsTheBatchItself() {
        try (NDManager m = manager()) {
            // 2 clips, audio width 3 and text width 2; clip 1 has no text
            NDArray audio = m.create(new float[] {1, 2, 3, 4, 5, 6}, new Shape(2, 3));
            NDArray text = m.create(new float[] {1, 1, 0, 0}, new Shape(2, 2));
            NDArray mask = m.create(new float[] {1, 1, 1, 0}, new Shape(2, 2));
            NDList in = new NDList(audio, text, mask);
            assertSame(in, InputNoise.add(in, 0, false));

            NDList out = InputNoise.add(in, 0.5, false);

            float[] t = out.get(1).toFloatArray();
            assertEquals(0f, t[2], 0f);
            assertEquals(0f, t[3], 0f);
            assertNotEquals(1f, t[0]);
            float[] a = out.get(0).toFloatArray();
            for (int i = 0; i < 6; i++) {
                assertNotEquals(i + 1f, a[i], "audio value " + i);
            }
            assertArrayEquals(mask.toFloatArray(), out.get(2).toFloatArray());
        }
    }
}
