package io.merspark.extract;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslateException;
import ai.djl.translate.TranslatorContext;
import io.merspark.config.EncoderContract;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A HuBERT / wav2vec2 / WavLM waveform encoder (kind {@code waveform}), ONNX or TorchScript: raw 16 kHz samples in,
 * one frame per {@link #STRIDE} samples out ({@code ⌊(samples − 400) / 320⌋ + 1} frames of a chunk). The utterance is
 * normalised to zero mean and unit variance (when the contract says so), cut into chunks of {@code chunkSeconds}, each
 * chunk encoded alone and the frames concatenated; a frame is the output, or the sum of the last {@code layers} hidden
 * states. Tokens are the frames, pooled their mean.
 */
public final class WaveformEncoder implements AudioEncoder {

    public static final int SAMPLE_RATE = 16_000;
    /** The conv feature extractor's receptive field and stride in samples (HuBERT, wav2vec2, WavLM). */
    public static final int RECEPTIVE_FIELD = 400;
    public static final int STRIDE = 320;

    private final ZooModel<NDList, NDList> model;
    private final EncoderContract.Waveform contract;
    private final String id;

    public WaveformEncoder(Path file, EncoderContract.Waveform contract, ai.djl.Device device, int threads) {
        this.model = EncoderModels.load(file, device, threads);
        this.contract = contract;
        this.id = "waveform:" + file.getFileName() + "@" + ModelFiles.shortSha256(file);
    }

    @Override
    public String id() {
        return id;
    }

    /** Frames the model gives for a chunk of {@code samples}. */
    public static int frames(int samples) {
        return samples < RECEPTIVE_FIELD ? 0 : (samples - RECEPTIVE_FIELD) / STRIDE + 1;
    }

    @Override
    public Session newSession() {
        return new ChunkSession(model.newPredictor(new ChunkTranslator()));
    }

    /** Each clip prepared and cut into chunks; its frames are those of all its chunks. */
    private final class ChunkSession extends PredictorSession<float[], float[][]> implements Session {

        ChunkSession(Predictor<float[], float[][]> predictor) {
            super(predictor);
        }

        @Override
        public List<Embedding> encode(List<float[]> clips) throws TranslateException {
            List<Embedding> out = new ArrayList<>(clips.size());
            for (float[] pcm : clips) {
                List<float[]> frames = new ArrayList<>();
                for (float[] chunk : chunks(prepare(pcm))) {
                    frames.addAll(List.of(predictor.predict(chunk)));
                }
                out.add(Embedding.meanOf(frames.toArray(new float[0][])));
            }
            return out;
        }
    }

    @Override
    public void close() {
        model.close();
    }

    /** Per-utterance zero mean, unit variance (Wav2Vec2FeatureExtractor's do_normalize), or the samples as they are. */
    float[] prepare(float[] pcm) {
        if (pcm.length == 0) {
            throw new IllegalArgumentException("empty audio");
        }
        if (!contract.normalize()) {
            return pcm;
        }
        double sum = 0;
        for (float v : pcm) {
            sum += v;
        }
        double mean = sum / pcm.length;
        double squares = 0;
        for (float v : pcm) {
            squares += (v - mean) * (v - mean);
        }
        double scale = 1.0 / Math.sqrt(squares / pcm.length + 1e-7);
        float[] out = new float[pcm.length];
        for (int i = 0; i < pcm.length; i++) {
            out[i] = (float) ((pcm[i] - mean) * scale);
        }
        return out;
    }

    /**
     * Chunks of {@code chunkSeconds}: a last piece shorter than one frame's receptive field joins no frame and is
     * dropped; a whole utterance that short is padded with silence to one frame, so it still gets a vector.
     */
    List<float[]> chunks(float[] samples) {
        int size = (int) Math.max(RECEPTIVE_FIELD, Math.round(contract.chunkSeconds() * SAMPLE_RATE));
        List<float[]> out = new ArrayList<>();
        for (int from = 0; from < samples.length; from += size) {
            int to = Math.min(samples.length, from + size);
            if (to - from >= RECEPTIVE_FIELD) {
                out.add(java.util.Arrays.copyOfRange(samples, from, to));
            }
        }
        if (out.isEmpty()) {
            out.add(java.util.Arrays.copyOf(samples, RECEPTIVE_FIELD));
        }
        return out;
    }

    /** One chunk [1, samples] → its frames [T][width]. */
    private final class ChunkTranslator implements NoBatchifyTranslator<float[], float[][]> {

        @Override
        public NDList processInput(TranslatorContext ctx, float[] chunk) {
            NDArray input = ctx.getNDManager().create(chunk, new Shape(1, chunk.length));
            input.setName(contract.input());
            return new NDList(input);
        }

        @Override
        public float[][] processOutput(TranslatorContext ctx, NDList outputs) {
            // summed here, not with NDArray.add: ONNX Runtime's arrays have no arithmetic of their own
            NDArray first;
            float[] values;
            if (contract.layers() == 0) {
                first = EncoderModels.output(outputs, contract.output());
                values = EncoderModels.floats(first);
            } else {
                int states = EncoderModels.hiddenStates(outputs);
                if (contract.layers() > states) {
                    throw new IllegalArgumentException("layers = " + contract.layers() + " but the model returns "
                            + states + " hidden states");
                }
                first = EncoderModels.hiddenState(outputs, states - 1);
                values = EncoderModels.floats(first);
                for (int k = states - 2; k >= states - contract.layers(); k--) {
                    float[] state = EncoderModels.floats(EncoderModels.hiddenState(outputs, k));
                    for (int i = 0; i < values.length; i++) {
                        values[i] += state[i];
                    }
                }
            }
            Shape shape = first.getShape();
            if (shape.dimension() != 3 || shape.get(0) != 1) {
                throw new IllegalStateException("frames must be [1, T, width], got " + shape);
            }
            return OnnxModels.rows(values, 0, (int) shape.get(1), (int) shape.get(2));
        }
    }
}
