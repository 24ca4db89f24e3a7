package io.merspark.face;

import io.merspark.media.RgbImage;

/**
 * Resamples a square region of a frame to {@code size x size} float RGB CHW, raw 0..255, with the legacy
 * TensorFlow bilinear resize face-api uses (alignCorners = false, halfPixelCenters = false: src = dst * scale);
 * pixels outside the frame are 0 (zero padding).
 */
public final class SquareResample {

    private SquareResample() {
    }

    /**
     * @param left, top the region's top-left corner in frame pixels (may lie outside the frame)
     * @param side      the region's side in frame pixels
     */
    public static float[] region(RgbImage image, int left, int top, int side, int size) {
        float scale = (float) side / size;
        float[] out = new float[3 * size * size];
        int plane = size * size;
        for (int y = 0; y < size; y++) {
            float sy = y * scale;
            int y0 = (int) sy;
            int y1 = Math.min(y0 + 1, side - 1);
            float fy = sy - y0;
            for (int x = 0; x < size; x++) {
                float sx = x * scale;
                int x0 = (int) sx;
                int x1 = Math.min(x0 + 1, side - 1);
                float fx = sx - x0;
                for (int c = 0; c < 3; c++) {
                    float a = lerp(image.at(left + x0, top + y0, c), image.at(left + x1, top + y0, c), fx);
                    float b = lerp(image.at(left + x0, top + y1, c), image.at(left + x1, top + y1, c), fx);
                    out[c * plane + y * size + x] = lerp(a, b, fy);
                }
            }
        }
        return out;
    }

    /** The whole frame, zero-padded to a centred square (as the sampler does without face detection). */
    public static float[] wholeFrame(RgbImage image, int size) {
        int side = Math.max(image.width(), image.height());
        return region(image, -((side - image.width()) / 2), -((side - image.height()) / 2), side, size);
    }

    /** The centred square of the frame's shorter side (an image tower's resize and centre crop, fit = crop). */
    public static float[] centreCrop(RgbImage image, int size) {
        int side = Math.min(image.width(), image.height());
        return region(image, (image.width() - side) / 2, (image.height() - side) / 2, side, size);
    }

    private static float lerp(float a, float b, float t) {
        return a + (b - a) * t;
    }
}
