package io.merspark.media;

import org.bytedeco.javacv.Frame;

import java.nio.ByteBuffer;

/**
 * One decoded frame at full resolution: packed RGB bytes, row after row, {@code 3 * width} bytes a row.
 */
public record RgbImage(int width, int height, byte[] rgb) {

    public RgbImage {
        if (width <= 0 || height <= 0 || rgb.length != 3 * width * height) {
            throw new IllegalArgumentException("RGB image of " + width + "x" + height + " needs "
                    + 3 * width * height + " bytes, got " + rgb.length);
        }
    }

    /** A copy of a grabbed RGB24 frame (the grabber reuses its buffer). */
    static RgbImage of(Frame frame) {
        int w = frame.imageWidth;
        int h = frame.imageHeight;
        ByteBuffer src = (ByteBuffer) frame.image[0];
        byte[] out = new byte[3 * w * h];
        for (int y = 0; y < h; y++) {
            src.position(y * frame.imageStride);
            src.get(out, y * 3 * w, 3 * w);
        }
        src.rewind();
        return new RgbImage(w, h, out);
    }

    /** Channel {@code c} (0 R, 1 G, 2 B) of pixel (x, y), 0..255; 0 outside the image (zero padding). */
    public float at(int x, int y, int c) {
        if (x < 0 || y < 0 || x >= width || y >= height) {
            return 0f;
        }
        return rgb[(y * width + x) * 3 + c] & 0xFF;
    }
}
