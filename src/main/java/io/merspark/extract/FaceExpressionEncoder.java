package io.merspark.extract;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.Batchifier;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * face-api.js FaceExpressionNet (ONNX): each frame of a clip gives a 256-d face-expression embedding and 7 logits.
 * A clip's tokens are its per-frame embeddings; pooled is their mean.
 */
public final class FaceExpressionEncoder implements VideoEncoder {

    public static final int WIDTH = 256;
    public static final int IMAGE_SIZE = 112;
    /** The model's logit order (face-api FACE_EXPRESSION_LABELS). */
    public static final List<String> EXPRESSIONS =
            List.of("neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised");

    private final ZooModel<NDList, NDList> model;
    private final String id;

    public FaceExpressionEncoder(Path onnx) {
        this(onnx, "cpu", 1);
    }

    public FaceExpressionEncoder(Path onnx, String device, int threads) {
        this(onnx, OnnxModels.device(device), threads);
    }

    public FaceExpressionEncoder(Path onnx, ai.djl.Device device, int threads) {
        this.model = OnnxModels.load(onnx, device, threads);
        this.id = "face-expression-net@" + ModelFiles.shortSha256(onnx);
    }

    /** Encoder name and short model digest, as written to the features table. */
    @Override
    public String id() {
        return id;
    }

    /** One embedding per clip; a clip is a list of {@code 3*112*112} RGB CHW frames with raw 0..255 values. */
    public List<Embedding> encode(List<List<float[]>> clips) throws TranslateException {
        try (Session session = newSession()) {
            return session.encode(clips);
        }
    }

    /** A predictor for one thread (a Spark task): reuse it for all of the task's batches, then close it. */
    public Session newSession() {
        return newSession(Integer.MAX_VALUE);
    }

    /**
     * As {@link #newSession()}, with at most {@code framesPerCall} frames in one model call (whole clips are packed
     * into a call; a clip with more frames goes alone): on a CPU, ONNX Runtime's convolution loops over the batch
     * anyway and a few frames stay in the caches; a GPU wants large tensors.
     */
    @Override
    public Session newSession(int framesPerCall) {
        return new Session(model.newPredictor(new FrameTranslator()), Math.max(1, framesPerCall));
    }

    /** One task's predictor; not thread-safe. */
    public static final class Session implements VideoEncoder.Session {
        private final Predictor<List<float[]>, ClipFaces> predictor;
        private final int framesPerCall;

        private Session(Predictor<List<float[]>, ClipFaces> predictor, int framesPerCall) {
            this.predictor = predictor;
            this.framesPerCall = framesPerCall;
        }

        /** As {@link FaceExpressionEncoder#encode(List)}. */
        @Override
        public List<Embedding> encode(List<List<float[]>> clips) throws TranslateException {
            if (clips.isEmpty()) {
                return List.of();
            }
            List<Embedding> out = new ArrayList<>(clips.size());
            for (List<List<float[]>> call : FrameCalls.pack(clips, framesPerCall)) {
                for (ClipFaces faces : predictor.batchPredict(call)) {
                    out.add(Embedding.meanOf(faces.embeddings()));
                }
            }
            return out;
        }

        @Override
        public void close() {
            predictor.close();
        }
    }

    /** Per clip, the softmax of the logits averaged over its frames, in {@link #EXPRESSIONS} order. */
    public List<float[]> expressionProbabilities(List<List<float[]>> clips) throws TranslateException {
        List<float[]> out = new ArrayList<>(clips.size());
        for (ClipFaces faces : run(clips)) {
            float[] mean = new float[EXPRESSIONS.size()];
            for (float[] logits : faces.logits()) {
                float[] p = softmax(logits);
                for (int i = 0; i < mean.length; i++) {
                    mean[i] += p[i] / faces.logits().length;
                }
            }
            out.add(mean);
        }
        return out;
    }

    private List<ClipFaces> run(List<List<float[]>> clips) throws TranslateException {
        if (clips.isEmpty()) {
            return List.of();
        }
        // Predictors are not thread-safe: one per call, closed at once.
        try (Predictor<List<float[]>, ClipFaces> predictor = model.newPredictor(new FrameTranslator())) {
            return predictor.batchPredict(clips);
        }
    }

    private static float[] softmax(float[] logits) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        float[] p = new float[logits.length];
        float sum = 0f;
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) Math.exp(logits[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    @Override
    public void close() {
        model.close();
    }

    /** Per-frame outputs of one clip. */
    record ClipFaces(float[][] embeddings, float[][] logits) {
    }

    /**
     * Clip (frames) → frame batch → per-frame outputs. Clips have different frame counts, so the stacking batchifier
     * does not fit: a batch concatenates all frames of all clips into one [N, 3, 112, 112] tensor and splits the
     * outputs back by each clip's frame count.
     */
    private static final class FrameTranslator implements Translator<List<float[]>, ClipFaces> {

        private static final String COUNTS = "frameCounts";
        private static final int FRAME = 3 * IMAGE_SIZE * IMAGE_SIZE;

        @Override
        public NDList processInput(TranslatorContext ctx, List<float[]> frames) {
            return batchProcessInput(ctx, List.of(frames));
        }

        @Override
        public ClipFaces processOutput(TranslatorContext ctx, NDList outputs) {
            return batchProcessOutput(ctx, outputs).get(0);
        }

        @Override
        public NDList batchProcessInput(TranslatorContext ctx, List<List<float[]>> clips) {
            int[] counts = FrameCalls.counts(clips);
            int total = java.util.Arrays.stream(counts).sum();
            float[] pixels = new float[total * FRAME];
            int at = 0;
            for (List<float[]> clip : clips) {
                for (float[] frame : clip) {
                    if (frame.length != FRAME) {
                        throw new IllegalArgumentException("frame must be 3x112x112, got " + frame.length + " values");
                    }
                    System.arraycopy(frame, 0, pixels, at, FRAME);
                    at += FRAME;
                }
            }
            ctx.setAttachment(COUNTS, counts);
            NDArray image = ctx.getNDManager().create(pixels, new Shape(total, 3, IMAGE_SIZE, IMAGE_SIZE));
            image.setName("image");
            return new NDList(image);
        }

        @Override
        public List<ClipFaces> batchProcessOutput(TranslatorContext ctx, NDList outputs) {
            int[] counts = (int[]) ctx.getAttachment(COUNTS);
            ai.djl.ndarray.NDArray embedding = OnnxModels.output(outputs, "embedding");
            // the width comes from the graph (256 here), so an exported encoder with the same I/O names fits
            int width = (int) (embedding.size() / Math.max(1, java.util.Arrays.stream(counts).sum()));
            float[] embeddings = embedding.toFloatArray();
            float[] logits = OnnxModels.output(outputs, "logits").toFloatArray();
            List<ClipFaces> clips = new ArrayList<>(counts.length);
            int row = 0;
            for (int count : counts) {
                clips.add(new ClipFaces(OnnxModels.rows(embeddings, row, count, width),
                        OnnxModels.rows(logits, row, count, EXPRESSIONS.size())));
                row += count;
            }
            return clips;
        }

        @Override
        public Batchifier getBatchifier() {
            // Non-null so that batchPredict hands the whole list to batchProcessInput (null would loop per item).
            return Batchifier.STACK;
        }
    }
}
