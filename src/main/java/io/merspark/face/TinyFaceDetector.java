package io.merspark.face;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import io.merspark.extract.OnnxModels;
import io.merspark.media.RgbImage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * face-api.js TinyFaceDetector (ONNX, {@code models/face-detector/}): the network runs in ONNX Runtime, the box
 * decoding and non-maximum suppression here, as face-api's {@code TinyYolov2Base.detect} does: the frame is
 * zero-padded at the bottom/right to a square and resized to {@link #INPUT_SIZE}; each of the 13 x 13 cells has
 * 5 anchors with (tx, ty, tw, th, score); boxes above {@link #SCORE_THRESHOLD} go through NMS at IoU 0.4.
 * Thread-safe: each call opens its own predictor.
 */
public final class TinyFaceDetector implements AutoCloseable {

    public static final int INPUT_SIZE = 416;
    public static final float SCORE_THRESHOLD = 0.5f;
    static final float IOU_THRESHOLD = 0.4f;
    /** face-api tinyFaceDetector/const.ts BOX_ANCHORS, in cells. */
    private static final float[][] ANCHORS = {
            {1.603231f, 2.094468f}, {6.041143f, 7.080126f}, {2.882459f, 3.518061f},
            {4.266906f, 5.178857f}, {9.041765f, 10.66308f}};

    private final ZooModel<NDList, NDList> model;

    public TinyFaceDetector(Path onnx, Device device, int threads) {
        this.model = OnnxModels.load(onnx, device, threads);
    }

    /** Every face of each frame after NMS, highest score first. */
    public List<List<FaceBox>> detect(List<RgbImage> frames) throws TranslateException {
        if (frames.isEmpty()) {
            return List.of();
        }
        int plane = 3 * INPUT_SIZE * INPUT_SIZE;
        float[] pixels = new float[frames.size() * plane];
        for (int i = 0; i < frames.size(); i++) {
            RgbImage f = frames.get(i);
            System.arraycopy(SquareResample.region(f, 0, 0, Math.max(f.width(), f.height()), INPUT_SIZE), 0,
                    pixels, i * plane, plane);
        }
        float[] grid;
        long[] shape;
        try (NDManager manager = model.getNDManager().newSubManager();
             Predictor<NDList, NDList> predictor = model.newPredictor()) {
            NDArray image = manager.create(pixels, new Shape(frames.size(), 3, INPUT_SIZE, INPUT_SIZE));
            image.setName("image");
            NDList out = predictor.predict(new NDList(image));
            NDArray g = OnnxModels.output(out, "grid");
            grid = g.toFloatArray();
            shape = g.getShape().getShape();
            out.close();
        }
        int cells = (int) shape[2];
        List<List<FaceBox>> faces = new ArrayList<>(frames.size());
        for (int i = 0; i < frames.size(); i++) {
            RgbImage f = frames.get(i);
            faces.add(nms(decode(grid, i * 25 * cells * cells, cells, Math.max(f.width(), f.height()))));
        }
        return faces;
    }

    /** The largest face of each frame (by box area), if any. */
    public List<Optional<FaceBox>> largestFaces(List<RgbImage> frames) throws TranslateException {
        List<Optional<FaceBox>> out = new ArrayList<>(frames.size());
        for (List<FaceBox> faces : detect(frames)) {
            out.add(faces.stream().max(Comparator.comparingDouble(FaceBox::area)));
        }
        return out;
    }

    /** Boxes of one frame's grid ([25, cells, cells] from {@code offset}) in pixels of a frame of side {@code side}. */
    static List<FaceBox> decode(float[] grid, int offset, int cells, int side) {
        List<FaceBox> boxes = new ArrayList<>();
        int area = cells * cells;
        for (int row = 0; row < cells; row++) {
            for (int col = 0; col < cells; col++) {
                for (int a = 0; a < ANCHORS.length; a++) {
                    int at = offset + row * cells + col;
                    float score = sigmoid(grid[at + (a * 5 + 4) * area]);
                    if (score <= SCORE_THRESHOLD) {
                        continue;
                    }
                    float cx = (col + sigmoid(grid[at + a * 5 * area])) / cells;
                    float cy = (row + sigmoid(grid[at + (a * 5 + 1) * area])) / cells;
                    float w = (float) Math.exp(grid[at + (a * 5 + 2) * area]) * ANCHORS[a][0] / cells;
                    float h = (float) Math.exp(grid[at + (a * 5 + 3) * area]) * ANCHORS[a][1] / cells;
                    // relative to the padded square, whose top-left is the frame's: pixels = relative * side
                    boxes.add(new FaceBox((cx - w / 2) * side, (cy - h / 2) * side, w * side, h * side, score));
                }
            }
        }
        return boxes;
    }

    /** face-api's nonMaxSuppression: highest score first, dropping boxes whose IoU with a kept one exceeds 0.4. */
    static List<FaceBox> nms(List<FaceBox> boxes) {
        List<FaceBox> left = new ArrayList<>(boxes);
        left.sort(Comparator.comparingDouble(FaceBox::score).reversed());
        List<FaceBox> kept = new ArrayList<>();
        while (!left.isEmpty()) {
            FaceBox best = left.remove(0);
            kept.add(best);
            left.removeIf(b -> best.iou(b) > IOU_THRESHOLD);
        }
        return kept;
    }

    private static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-x)));
    }

    @Override
    public void close() {
        model.close();
    }
}
