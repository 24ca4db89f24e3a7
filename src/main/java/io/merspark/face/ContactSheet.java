package io.merspark.face;

import ai.djl.Device;
import io.merspark.media.RgbImage;
import io.merspark.media.VideoFrameSampler;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A PNG of the encoder frames of one clip in a row (face crops with face = detect), for looking at what the
 * encoder sees: {@code java -cp ... io.merspark.face.ContactSheet <clip> <out.png> [frames] [size]}.
 */
public final class ContactSheet {

    private ContactSheet() {
    }

    /** Writes {@code frames} (CHW, 0..255, {@code size x size}) side by side as an RGB PNG. */
    public static void write(List<float[]> frames, int size, Path png) throws IOException {
        BufferedImage sheet = new BufferedImage(size * frames.size(), size, BufferedImage.TYPE_INT_RGB);
        int plane = size * size;
        for (int f = 0; f < frames.size(); f++) {
            float[] chw = frames.get(f);
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    int i = y * size + x;
                    sheet.setRGB(f * size + x, y, (byte8(chw[i]) << 16) | (byte8(chw[plane + i]) << 8)
                            | byte8(chw[2 * plane + i]));
                }
            }
        }
        ImageIO.write(sheet, "png", png.toFile());
    }

    private static int byte8(float v) {
        return Math.max(0, Math.min(255, Math.round(v)));
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: ContactSheet <clip> <out.png> [frames=8] [size=112] [detector onnx]");
            System.exit(2);
        }
        int frames = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        int size = args.length > 3 ? Integer.parseInt(args[3]) : 112;
        Path model = Path.of(args.length > 4 ? args[4] : "models/face-detector/tiny_face_detector.onnx");
        List<RgbImage> images = new VideoFrameSampler().sampleImages(Path.of(args[0]), frames);
        try (TinyFaceDetector detector = new TinyFaceDetector(model, Device.cpu(), 1)) {
            FaceCropper.Crops crops = new FaceCropper(detector).crop(images, size);
            write(crops.frames(), size, Path.of(args[1]));
            System.out.printf("%s: %d of %d frames with a face -> %s%n", args[0], crops.withFace(),
                    crops.frames().size(), args[1]);
        }
    }
}
