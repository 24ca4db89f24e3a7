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
import io.merspark.config.EncoderContract;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A CLIP/ViT-style image tower (kind {@code image-tower}), ONNX or TorchScript: each frame, already at the tower's
 * size, is put in the contract's channel order and range and normalised with its mean and std; the output (e.g.
 * {@code image_embeds}) gives one vector per frame. Tokens are the frame vectors, pooled their mean.
 */
public final class ImageTowerEncoder implements VideoEncoder {

    private final ZooModel<NDList, NDList> model;
    private final EncoderContract.Image contract;
    private final int size;
    private final String id;

    public ImageTowerEncoder(Path file, int size, EncoderContract.Image contract, ai.djl.Device device, int threads) {
        this.model = EncoderModels.load(file, device, threads);
        this.contract = contract;
        this.size = size;
        this.id = "image-tower:" + file.getFileName() + "@" + ModelFiles.shortSha256(file);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public Session newSession(int framesPerCall) {
        return new FrameSession(model.newPredictor(new FrameTranslator()), Math.max(1, framesPerCall));
    }

    /** Clips packed into calls of at most {@code cap} frames. */
    private static final class FrameSession extends PredictorSession<List<List<float[]>>, List<float[][]>>
            implements Session {

        private final int cap;

        FrameSession(Predictor<List<List<float[]>>, List<float[][]>> predictor, int cap) {
            super(predictor);
            this.cap = cap;
        }

        @Override
        public List<Embedding> encode(List<List<float[]>> clips) throws TranslateException {
            List<Embedding> out = new ArrayList<>(clips.size());
            for (List<List<float[]>> call : FrameCalls.pack(clips, cap)) {
                for (float[][] vectors : predictor.predict(call)) {
                    out.add(Embedding.meanOf(vectors));
                }
            }
            return out;
        }
    }

    @Override
    public void close() {
        model.close();
    }

    /** Raw 0..255 RGB CHW → the tower's input values: channel order, range, then (v - mean) / std per channel. */
    float[] pixels(float[] rgb) {
        int plane = size * size;
        if (rgb.length != 3 * plane) {
            throw new IllegalArgumentException("frame must be 3x" + size + "x" + size + ", got " + rgb.length + " values");
        }
        boolean bgr = "bgr".equals(contract.channels());
        float[] out = new float[rgb.length];
        for (int c = 0; c < 3; c++) {
            int source = bgr ? 2 - c : c;
            float mean = contract.mean().get(c).floatValue();
            float std = contract.std().get(c).floatValue();
            for (int i = 0; i < plane; i++) {
                float v = rgb[source * plane + i];
                if (contract.range() == 1) {
                    v = v / 255f;
                }
                out[c * plane + i] = (v - mean) / std;
            }
        }
        return out;
    }

    /** All frames of a call's clips in one [N, 3, size, size] tensor; outputs split back per clip. */
    private final class FrameTranslator implements Translator<List<List<float[]>>, List<float[][]>> {

        private static final String COUNTS = "frameCounts";

        @Override
        public NDList processInput(TranslatorContext ctx, List<List<float[]>> clips) {
            int[] counts = FrameCalls.counts(clips);
            int total = java.util.Arrays.stream(counts).sum();
            int frame = 3 * size * size;
            float[] values = new float[total * frame];
            int at = 0;
            for (List<float[]> clip : clips) {
                for (float[] rgb : clip) {
                    System.arraycopy(pixels(rgb), 0, values, at, frame);
                    at += frame;
                }
            }
            ctx.setAttachment(COUNTS, counts);
            NDArray input = ctx.getNDManager().create(values, new Shape(total, 3, size, size));
            input.setName(contract.input());
            return new NDList(input);
        }

        @Override
        public List<float[][]> processOutput(TranslatorContext ctx, NDList outputs) {
            int[] counts = (int[]) ctx.getAttachment(COUNTS);
            NDArray embeds = EncoderModels.output(outputs, contract.output());
            int total = java.util.Arrays.stream(counts).sum();
            if (embeds.getShape().dimension() != 2 || embeds.getShape().get(0) != total) {
                throw new IllegalStateException("output '" + contract.output() + "' must be [frames, width], got "
                        + embeds.getShape());
            }
            int width = (int) embeds.getShape().get(1);
            float[] flat = EncoderModels.floats(embeds);
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
            return null;
        }
    }
}
