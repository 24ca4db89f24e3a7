package io.merspark.extract;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.Batchifier;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * openWakeWord's speech front-end (Google speech_embedding): 16 kHz PCM → log-mel (32 bins, 10 ms hop) → windows of
 * 76 mel frames every 8 frames (80 ms) → one 96-d embedding per window. Tokens are the window embeddings; pooled is
 * their mean.
 *
 * <p>The network is convolutional in time (unpadded time kernels, total stride 8, receptive field 76 frames). With an
 * embedding model whose time axis is free ({@code embedding_model_full.onnx}, made by
 * {@code models/speech-embedding/make_full_clip_model.py}) a clip's whole mel sequence goes through it in one pass
 * and the output positions are the window embeddings (equal to the windowed ones within 1e-5, tested), for about
 * 1/6 of the multiply-adds of running the overlapping windows; a model fixed at 76 frames gets the windows.
 *
 * <p>A clip shorter than one window (12,512 samples, 0.78 s) is padded at the end with digital silence up to one
 * window, so every non-empty utterance gets exactly one embedding rather than an error: short interjections are
 * legitimate speech. Empty PCM is rejected.
 */
public final class SpeechEmbeddingEncoder implements AudioEncoder {

    public static final int WIDTH = 96;
    static final int MEL_BINS = 32;
    static final int WINDOW = 76;
    static final int HOP = 8;
    /** Samples for exactly one window: frames = (samples - 512) / 160 + 1. */
    static final int MIN_SAMPLES = 512 + (WINDOW - 1) * 160;

    private final ZooModel<NDList, NDList> mel;
    private final ZooModel<NDList, NDList> embedding;
    private final String id;
    private final boolean wholeClip;

    public SpeechEmbeddingEncoder(Path melOnnx, Path embeddingOnnx) {
        this(melOnnx, embeddingOnnx, "cpu", 1);
    }

    public SpeechEmbeddingEncoder(Path melOnnx, Path embeddingOnnx, String device, int threads) {
        this(melOnnx, embeddingOnnx, OnnxModels.device(device), threads);
    }

    public SpeechEmbeddingEncoder(Path melOnnx, Path embeddingOnnx, ai.djl.Device device, int threads) {
        this.mel = OnnxModels.load(melOnnx, device, threads);
        try {
            this.embedding = OnnxModels.load(embeddingOnnx, device, threads);
        } catch (RuntimeException e) {
            mel.close();
            throw e;
        }
        this.id = "openwakeword-speech-embedding@" + ModelFiles.shortSha256(melOnnx, embeddingOnnx);
        this.wholeClip = freeTimeAxis(embeddingOnnx);
    }

    /** True when the embedding model takes any number of mel frames (one pass per clip), false for 76 only. */
    public boolean wholeClip() {
        return wholeClip;
    }

    /** DJL does not report ONNX input shapes, so the graph's declared input is read with ONNX Runtime itself. */
    private static boolean freeTimeAxis(Path onnx) {
        ai.onnxruntime.OrtEnvironment env = ai.onnxruntime.OrtEnvironment.getEnvironment();
        try (ai.onnxruntime.OrtSession.SessionOptions options = new ai.onnxruntime.OrtSession.SessionOptions();
             ai.onnxruntime.OrtSession session = env.createSession(onnx.toString(), options)) {
            ai.onnxruntime.NodeInfo input = session.getInputInfo().values().iterator().next();
            if (!(input.getInfo() instanceof ai.onnxruntime.TensorInfo tensor) || tensor.getShape().length != 4) {
                return false;
            }
            return tensor.getShape()[1] < 0;
        } catch (ai.onnxruntime.OrtException e) {
            throw new IllegalArgumentException("cannot read the input shape of " + onnx + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String id() {
        return id;
    }

    /** One embedding per clip of 16 kHz mono PCM in [-1, 1]. */
    public List<Embedding> encode(List<float[]> clips) throws TranslateException {
        try (Session session = newSession()) {
            return session.encode(clips);
        }
    }

    /** The predictors of one thread (a Spark task): reuse them for all of the task's batches, then close them. */
    @Override
    public Session newSession() {
        Predictor<float[], float[][]> melPredictor = mel.newPredictor(new MelTranslator());
        try {
            return new Session(melPredictor, embedding.newPredictor(new WindowTranslator(wholeClip)));
        } catch (RuntimeException e) {
            melPredictor.close();
            throw e;
        }
    }

    /** One task's predictors; not thread-safe. */
    public static final class Session implements AudioEncoder.Session {
        private final Predictor<float[], float[][]> melPredictor;
        private final Predictor<float[][], Embedding> windowPredictor;

        private Session(Predictor<float[], float[][]> melPredictor, Predictor<float[][], Embedding> windowPredictor) {
            this.melPredictor = melPredictor;
            this.windowPredictor = windowPredictor;
        }

        /** As {@link SpeechEmbeddingEncoder#encode(List)}. */
        @Override
        public List<Embedding> encode(List<float[]> clips) throws TranslateException {
            if (clips.isEmpty()) {
                return List.of();
            }
            for (float[] pcm : clips) {
                if (pcm.length == 0) {
                    throw new IllegalArgumentException("empty audio");
                }
            }
            // Clips differ in length, so the mel model runs once per clip (batchPredict loops when there is no
            // batchifier), and so does the embedding model: over the whole clip, or over the clip's windows.
            // One clip per call: ONNX Runtime's CPU convolution loops over the batch anyway, and a clip's
            // ~40 windows (or its one sequence) already fill the caches; larger tensors measured slower.
            List<float[][]> mels = melPredictor.batchPredict(clips);
            List<Embedding> out = new ArrayList<>(mels.size());
            for (float[][] mel : mels) {
                out.add(windowPredictor.predict(mel));
            }
            return out;
        }

        @Override
        public void close() {
            try {
                windowPredictor.close();
            } finally {
                melPredictor.close();
            }
        }
    }

    @Override
    public void close() {
        try {
            embedding.close();
        } finally {
            mel.close();
        }
    }

    static int windowCount(int melFrames) {
        return (melFrames - WINDOW) / HOP + 1;
    }

    /** PCM → transformed log-mel frames [F][32] ({@code mel/10 + 2}, as openWakeWord does before the embedding). */
    private static final class MelTranslator implements NoBatchifyTranslator<float[], float[][]> {

        @Override
        public NDList processInput(TranslatorContext ctx, float[] pcm) {
            // The mel graph outputs absolute dB: it expects int16-scale sample values, not [-1, 1].
            float[] scaled = new float[Math.max(pcm.length, MIN_SAMPLES)];
            for (int i = 0; i < pcm.length; i++) {
                scaled[i] = pcm[i] * 32768f;
            }
            NDArray input = ctx.getNDManager().create(scaled, new Shape(1, scaled.length));
            input.setName("input");
            return new NDList(input);
        }

        @Override
        public float[][] processOutput(TranslatorContext ctx, NDList outputs) {
            NDArray out = OnnxModels.output(outputs, "output");
            float[] flat = out.toFloatArray();
            for (int i = 0; i < flat.length; i++) {
                flat[i] = flat[i] / 10f + 2f;
            }
            return OnnxModels.rows(flat, 0, flat.length / MEL_BINS, MEL_BINS);
        }
    }

    /**
     * Mel frames of a clip → its window embeddings. Clips have different window counts, so the stacking batchifier
     * does not fit: a batch concatenates all windows of all clips into one [W, 76, 32, 1] tensor and splits the
     * outputs back by each clip's window count.
     */
    private static final class WindowTranslator implements Translator<float[][], Embedding> {

        private static final String COUNTS = "windowCounts";
        private final boolean wholeClip;

        WindowTranslator(boolean wholeClip) {
            this.wholeClip = wholeClip;
        }

        @Override
        public NDList processInput(TranslatorContext ctx, float[][] mel) {
            return batchProcessInput(ctx, java.util.Collections.singletonList(mel));
        }

        private NDList wholeClipInput(TranslatorContext ctx, float[][] mel) {
            // The frames the windows cover, as one [1, F', 32, 1] sequence; the output has one position per window.
            int count = windowCount(mel.length);
            int frames = WINDOW + (count - 1) * HOP;
            float[] sequence = new float[frames * MEL_BINS];
            for (int f = 0; f < frames; f++) {
                System.arraycopy(mel[f], 0, sequence, f * MEL_BINS, MEL_BINS);
            }
            ctx.setAttachment(COUNTS, new int[] {count});
            NDArray input = ctx.getNDManager().create(sequence, new Shape(1, frames, MEL_BINS, 1));
            input.setName("input_1");
            return new NDList(input);
        }

        @Override
        public Embedding processOutput(TranslatorContext ctx, NDList outputs) {
            return batchProcessOutput(ctx, outputs).get(0);
        }

        @Override
        public NDList batchProcessInput(TranslatorContext ctx, List<float[][]> mels) {
            if (wholeClip) {
                if (mels.size() != 1) {
                    throw new IllegalArgumentException("one clip per call over the whole clip, got " + mels.size());
                }
                return wholeClipInput(ctx, mels.get(0));
            }
            int[] counts = new int[mels.size()];
            int total = 0;
            for (int c = 0; c < counts.length; c++) {
                counts[c] = windowCount(mels.get(c).length);
                total += counts[c];
            }
            int windowValues = WINDOW * MEL_BINS;
            float[] windows = new float[total * windowValues];
            int at = 0;
            for (int c = 0; c < counts.length; c++) {
                float[][] mel = mels.get(c);
                for (int w = 0; w < counts[c]; w++) {
                    for (int f = 0; f < WINDOW; f++) {
                        System.arraycopy(mel[w * HOP + f], 0, windows, at, MEL_BINS);
                        at += MEL_BINS;
                    }
                }
            }
            ctx.setAttachment(COUNTS, counts);
            NDArray input = ctx.getNDManager().create(windows, new Shape(total, WINDOW, MEL_BINS, 1));
            input.setName("input_1");
            return new NDList(input);
        }

        @Override
        public List<Embedding> batchProcessOutput(TranslatorContext ctx, NDList outputs) {
            int[] counts = (int[]) ctx.getAttachment(COUNTS);
            ai.djl.ndarray.NDArray windows = OnnxModels.output(outputs, "conv2d_19");
            int width = (int) (windows.size() / Math.max(1, java.util.Arrays.stream(counts).sum()));
            float[] flat = windows.toFloatArray();
            List<Embedding> out = new ArrayList<>(counts.length);
            int row = 0;
            for (int count : counts) {
                out.add(Embedding.meanOf(OnnxModels.rows(flat, row, count, width)));
                row += count;
            }
            return out;
        }

        @Override
        public Batchifier getBatchifier() {
            // Non-null so that batchPredict hands the whole list to batchProcessInput (null would loop per item).
            return Batchifier.STACK;
        }
    }
}
