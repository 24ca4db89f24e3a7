package io.merspark.face;

import ai.djl.Device;
import io.merspark.media.RgbImage;
import io.merspark.media.VideoFrameSampler;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TinyFaceDetectorTest {

    static final Path MODEL = Path.of("models/face-detector/tiny_face_detector.onnx");
    static final Path HAPPY = Path.of("data/real-av/1001_DFA_HAP_XX.flv");
    private static TinyFaceDetector detector;

    @BeforeAll
    static void load() {
        detector = new TinyFaceDetector(MODEL, Device.cpu(), 1);
    }

    @AfterAll
    static void close() {
        detector.close();
    }

    /** Frame {@code index} of a clip, decoded to RGB24 with JavaCV. */
    static RgbImage frame(Path video, int index) throws Exception {
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(video.toFile())) {
            g.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
            g.setAudioStream(-1);
            g.start();
            Frame f = null;
            for (int i = 0; i <= index; i++) {
                f = g.grabImage();
            }
            ByteBuffer src = (ByteBuffer) f.image[0];
            byte[] rgb = new byte[3 * f.imageWidth * f.imageHeight];
            for (int y = 0; y < f.imageHeight; y++) {
                src.position(y * f.imageStride);
                src.get(rgb, y * 3 * f.imageWidth, 3 * f.imageWidth);
            }
            return new RgbImage(f.imageWidth, f.imageHeight, rgb);
        }
    }

    @Test
    void findsTheFaceWhereFaceApiDoes() throws Exception {
        // face-api 1.7.15 (tfjs-wasm), detectAllFaces(frame 20, TinyFaceDetectorOptions{inputSize 416, 0.5}):
        // score 0.87754, box x 150.848 y 85.889 w 132.461 h 133.537 (ffmpeg's decoding of the same frame).
        List<FaceBox> faces = detector.detect(List.of(frame(HAPPY, 20))).get(0);
        assertEquals(1, faces.size());
        FaceBox f = faces.get(0);
        assertEquals(0.87754, f.score(), 0.01);
        assertArrayEquals(new float[] {150.848f, 85.889f, 132.461f, 133.537f},
                new float[] {f.left(), f.top(), f.width(), f.height()}, 2f);
    }

    @Test
    void cropsAreAtTheEncoderSizeAndCountFaces() throws Exception {
        List<RgbImage> frames = new VideoFrameSampler().sampleImages(HAPPY, 8);
        assertEquals(8, frames.size());
        assertEquals(480, frames.get(0).width());
        assertEquals(360, frames.get(0).height());
        FaceCropper.Crops crops = new FaceCropper(detector).crop(frames, 112);
        assertEquals(8, crops.frames().size());
        assertEquals(3 * 112 * 112, crops.frames().get(0).length);
        assertEquals(8, crops.withFace());
        assertEquals(1f, crops.faceFound());
    }

    @Test
    void wholeFrameFallbackEqualsTheSamplersFrames() throws Exception {
        List<RgbImage> images = new VideoFrameSampler().sampleImages(HAPPY, 3);
        List<float[]> sampled = new VideoFrameSampler().sample(HAPPY, 3, 112);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(sampled.get(i), SquareResample.wholeFrame(images.get(i), 112));
        }
    }

    @Test
    void nmsKeepsTheBestOfOverlappingBoxes() {
        List<FaceBox> kept = TinyFaceDetector.nms(List.of(new FaceBox(0, 0, 10, 10, 0.6f),
                new FaceBox(1, 1, 10, 10, 0.9f), new FaceBox(50, 50, 10, 10, 0.7f)));
        assertEquals(List.of(new FaceBox(1, 1, 10, 10, 0.9f), new FaceBox(50, 50, 10, 10, 0.7f)), kept);
        assertTrue(kept.get(0).iou(new FaceBox(0, 0, 10, 10, 0.6f)) > TinyFaceDetector.IOU_THRESHOLD);
    }
}
