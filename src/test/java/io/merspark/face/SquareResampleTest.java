package io.merspark.face;

import io.merspark.media.RgbImage;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class SquareResampleTest {

    /** A 4×2 frame whose red channel is 10 × column + row, green 100, blue 0. */
    private static RgbImage frame() {
        byte[] rgb = new byte[4 * 2 * 3];
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 4; x++) {
                rgb[(y * 4 + x) * 3] = (byte) (10 * x + y);
                rgb[(y * 4 + x) * 3 + 1] = 100;
            }
        }
        return new RgbImage(4, 2, rgb);
    }

    @Test
    void centreCropKeepsTheMiddleSquareOfTheShortSide() {
        // side 2, columns 1..2: red 10, 20 / 11, 21; no padding
        assertArrayEquals(new float[] {10, 20, 11, 21, 100, 100, 100, 100, 0, 0, 0, 0},
                SquareResample.centreCrop(frame(), 2), 0f);
    }

    @Test
    void wholeFramePadsToTheLongSide() {
        // side 4, one padding row above: rows -1, 0, 1, 2 resampled to 2 (src = dst * 2): rows -1 and 1
        assertArrayEquals(new float[] {0, 0, 1, 21, 0, 0, 100, 100, 0, 0, 0, 0},
                SquareResample.wholeFrame(frame(), 2), 0f);
    }
}
