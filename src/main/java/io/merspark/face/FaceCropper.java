package io.merspark.face;

import ai.djl.translate.TranslateException;
import io.merspark.media.RgbImage;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns full-resolution frames into the encoder's input: the largest face of each frame cropped to a square
 * around the box centre, {@link #MARGIN} of the box's longer side added on each side, resampled straight from
 * the frame to the encoder's size; a frame with no face falls back to the whole frame (padded to a centred square).
 */
public final class FaceCropper {

    /** Context kept around the detector's (tight) box on each side, as a share of its longer side. */
    public static final float MARGIN = 0.125f;

    private final TinyFaceDetector detector;

    public FaceCropper(TinyFaceDetector detector) {
        this.detector = detector;
    }

    /** One clip's encoder frames and how many of them are face crops. */
    public record Crops(List<float[]> frames, int withFace) {
        /** Share of frames in which a face was found, 0..1. */
        public float faceFound() {
            return frames.isEmpty() ? 0f : (float) withFace / frames.size();
        }
    }

    public Crops crop(List<RgbImage> frames, int size) throws TranslateException {
        List<Optional<FaceBox>> faces = detector.largestFaces(frames);
        List<float[]> out = new ArrayList<>(frames.size());
        int found = 0;
        for (int i = 0; i < frames.size(); i++) {
            RgbImage frame = frames.get(i);
            Optional<FaceBox> face = faces.get(i);
            if (face.isPresent()) {
                found++;
                out.add(cropSquare(frame, face.get(), size));
            } else {
                out.add(SquareResample.wholeFrame(frame, size));
            }
        }
        return new Crops(out, found);
    }

    static float[] cropSquare(RgbImage frame, FaceBox box, int size) {
        int side = Math.max(1, Math.round(Math.max(box.width(), box.height()) * (1 + 2 * MARGIN)));
        int left = Math.round(box.left() + box.width() / 2 - side / 2f);
        int top = Math.round(box.top() + box.height() / 2 - side / 2f);
        return SquareResample.region(frame, left, top, side, size);
    }
}
