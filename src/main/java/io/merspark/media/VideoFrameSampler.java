package io.merspark.media;

import org.bytedeco.javacv.Frame;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * Decodes a video and keeps {@code frames} frames spread uniformly over the clip, each as a float RGB CHW
 * image of {@code 3*size*size} raw 0..255 values (the face model normalises inside its graph).
 * Frames are zero-padded to a centred square, then resized bilinearly, as face-api's preprocessing does.
 */
public final class VideoFrameSampler {

    private final int threads;

    /** One FFmpeg decoding thread: the caller is a single-core Spark task. */
    public VideoFrameSampler() {
        this(1);
    }

    /** @param threads FFmpeg decoding threads (the cores of the task; FFmpeg's automatic count oversubscribes them) */
    public VideoFrameSampler(int threads) {
        this.threads = Math.max(1, threads);
    }

    /**
     * @return up to {@code frames} frames in clip order (fewer when the clip has fewer frames)
     * @throws MediaException for a missing, non-media or truncated file, or one without decodable video frames
     */
    public List<float[]> sample(Path video, int frames, int size) throws MediaException {
        return new ClipDecoder(threads).chw(video, frames, size, false).frames();
    }

    /** As {@link #sample(Path, int, int)}, but each frame at full resolution (for face detection and cropping). */
    public List<RgbImage> sampleImages(Path video, int frames) throws MediaException {
        return new ClipDecoder(threads).images(video, frames, false).frames();
    }

    /** Marks {@code count} frame indices at the centres of equal segments of a clip of {@code total} frames. */
    static boolean[] uniformPicks(int total, int count) {
        boolean[] wanted = new boolean[Math.max(total, 0)];
        if (total <= count) {
            java.util.Arrays.fill(wanted, true);
            return wanted;
        }
        for (int i = 0; i < count; i++) {
            wanted[(int) Math.floor((i + 0.5) * total / count)] = true;
        }
        return wanted;
    }

    static float[] toChw(Frame frame, int size) {
        int w = frame.imageWidth;
        int h = frame.imageHeight;
        int stride = frame.imageStride;
        ByteBuffer rgb = (ByteBuffer) frame.image[0];
        int side = Math.max(w, h);
        // Centred zero padding to a side x side square, as face-api's padToSquare(centre = true).
        int offX = (side - w) / 2;
        int offY = (side - h) / 2;
        float scale = (float) side / size;
        float[] out = new float[3 * size * size];
        int plane = size * size;
        for (int y = 0; y < size; y++) {
            // Legacy TF bilinear resize (alignCorners = false, halfPixelCenters = false): src = dst * scale.
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
                    float top = lerp(pixel(rgb, stride, w, h, offX, offY, x0, y0, c),
                            pixel(rgb, stride, w, h, offX, offY, x1, y0, c), fx);
                    float bottom = lerp(pixel(rgb, stride, w, h, offX, offY, x0, y1, c),
                            pixel(rgb, stride, w, h, offX, offY, x1, y1, c), fx);
                    out[c * plane + y * size + x] = lerp(top, bottom, fy);
                }
            }
        }
        return out;
    }

    private static float pixel(ByteBuffer rgb, int stride, int w, int h, int offX, int offY, int sx, int sy, int c) {
        int x = sx - offX;
        int y = sy - offY;
        if (x < 0 || y < 0 || x >= w || y >= h) {
            return 0f;
        }
        return rgb.get(y * stride + x * 3 + c) & 0xFF;
    }

    private static float lerp(float a, float b, float t) {
        return a + (b - a) * t;
    }
}
