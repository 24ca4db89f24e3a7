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
        return newSession(ExtractSpec.DEFAULT_WINDOWS_PER_CALL_CPU);
    }

    /**
     * As {@link #newSession()}, with at most {@code windowsPerCall} windows in one embedding-model call: a clip with
     * more goes through in chunks of whole windows (each chunk's mel frames overlap the next one's by 68 frames, so
     * the window outputs are those of one pass), and the 76-frame model packs consecutive short clips into a call.
     */
    @Override
    public Session newSession(int windowsPerCall) {
        Predictor<float[], float[][]> melPredictor = mel.newPredictor(new MelTranslator());
        try {
            return new Session(melPredictor, embedding.newPredictor(new WindowTranslator(wholeClip)), wholeClip,
                    Math.max(1, windowsPerCall));
        } catch (RuntimeException e) {
            melPredictor.close();
            throw e;
        }
    }

    /** One task's predictors; not thread-safe. */
    public static final class Session implements AudioEncoder.Session {
        private final Predictor<float[], float[][]> melPredictor;
        private final Predictor<float[][], float[][]> windowPredictor;
        private final boolean wholeClip;
        private final int windowsPerCall;

        private Session(Predictor<float[], float[][]> melPredictor, Predictor<float[][], float[][]> windowPredictor,
                        boolean wholeClip, int windowsPerCall) {
            this.melPredictor = melPredictor;
            this.windowPredictor = windowPredictor;
            this.wholeClip = wholeClip;
            this.windowsPerCall = windowsPerCall;
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
            // batchifier). The embedding model gets pieces of at most windowsPerCall windows: a whole clip, or a
            // chunk of a long one; the 76-frame model takes several short pieces in one call, the whole-clip model
            // one piece per call (its time axis is the clip's).
            List<float[][]> mels = melPredictor.batchPredict(clips);
            List<float[][]> pieces = new ArrayList<>();
            int[] piecesPerClip = new int[mels.size()];
            for (int c = 0; c < mels.size(); c++) {
                List<float[][]> chunks = chunks(mels.get(c), windowsPerCall);
                pieces.addAll(chunks);
                piecesPerClip[c] = chunks.size();
            }
            List<float[][]> rows = new ArrayList<>(pieces.size());
            if (wholeClip) {
                for (float[][] piece : pieces) {
                    rows.add(windowPredictor.predict(piece));
                }
            } else {
                for (List<float[][]> call : packByWindows(pieces, windowsPerCall)) {
                    rows.addAll(windowPredictor.batchPredict(call));
                }
            }
            List<Embedding> out = new ArrayList<>(mels.size());
            int at = 0;
            for (int count : piecesPerClip) {
                out.add(Embedding.meanOf(concat(rows.subList(at, at + count))));
                at += count;
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

    /**
     * A clip's mel frames as pieces of at most {@code windowsPerCall} whole windows, in order: piece k holds the
     * frames of windows [k·cap, k·cap + n), i.e. frames from k·cap·8 for 76 + (n − 1)·8 frames.
     */
    static List<float[][]> chunks(float[][] mel, int windowsPerCall) {
        int count = windowCount(mel.length);
        if (count <= windowsPerCall) {
            return java.util.Collections.singletonList(mel);
        }
        List<float[][]> pieces = new ArrayList<>();
        for (int first = 0; first < count; first += windowsPerCall) {
            int n = Math.min(windowsPerCall, count - first);
            int from = first * HOP;
            pieces.add(java.util.Arrays.copyOfRange(mel, from, from + WINDOW + (n - 1) * HOP));
        }
        return pieces;
    }

    /** Consecutive pieces with at most {@code windowsPerCall} windows in all (a piece never has more). */
    static List<List<float[][]>> packByWindows(List<float[][]> pieces, int windowsPerCall) {
        List<List<float[][]>> calls = new ArrayList<>();
        int from = 0;
        while (from < pieces.size()) {
            int to = from + 1;
            int windows = windowCount(pieces.get(from).length);
            while (to < pieces.size() && windows + windowCount(pieces.get(to).length) <= windowsPerCall) {
                windows += windowCount(pieces.get(to++).length);
            }
            calls.add(pieces.subList(from, to));
            from = to;
        }
        return calls;
    }

    private static float[][] concat(List<float[][]> parts) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        return parts.stream().flatMap(java.util.Arrays::stream).toArray(float[][]::new);
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
     * Mel frames of a piece → its window embeddings, one row per window. Pieces have different window counts, so
     * the stacking batchifier does not fit: a batch concatenates all windows of all pieces into one [W, 76, 32, 1]
     * tensor and splits the outputs back by each piece's window count.
     */
    private static final class WindowTranslator implements Translator<float[][], float[][]> {

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
        public float[][] processOutput(TranslatorContext ctx, NDList outputs) {
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
        public List<float[][]> batchProcessOutput(TranslatorContext ctx, NDList outputs) {
            int[] counts = (int[]) ctx.getAttachment(COUNTS);
            ai.djl.ndarray.NDArray windows = OnnxModels.output(outputs, "conv2d_19");
            int width = (int) (windows.size() / Math.max(1, java.util.Arrays.stream(counts).sum()));
            float[] flat = windows.toFloatArray();
            List<float[][]> out = new ArrayList<>(counts.length);
            int row = 0;
            for (int count : counts) {
                out.add(OnnxModels.rows(flat, row, count, width));
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
