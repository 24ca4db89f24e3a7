package io.merspark.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;

import java.util.List;

/**
 * A batch of rows (pooled vectors or token sequences, null when missing) in, one logit vector per row out.
 * The rows already form the batch, so there is nothing for a {@code Batchifier} to do.
 */
final class FusionTranslator implements NoBatchifyTranslator<List<FusionSample>, float[][]> {

    private final FeatureScaler scaler;
    private final TrainSpec spec;

    FusionTranslator(FeatureScaler scaler, TrainSpec spec) {
        this.scaler = scaler;
        this.spec = spec;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, List<FusionSample> rows) {
        return FusionModels.encode(ctx.getNDManager(), rows, scaler, spec);
    }

    @Override
    public float[][] processOutput(TranslatorContext ctx, NDList list) {
        return FusionTranslator.toRows(list.singletonOrThrow());
    }

    static float[][] toRows(NDArray logits) {
        int rows = (int) logits.getShape().get(0);
        int cols = (int) logits.getShape().get(1);
        float[] flat = logits.toFloatArray();
        float[][] out = new float[rows][cols];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(flat, r * cols, out[r], 0, cols);
        }
        return out;
    }
}
