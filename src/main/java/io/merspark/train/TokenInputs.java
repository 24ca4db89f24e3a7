package io.merspark.train;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.merspark.features.TokenThinning;

import java.util.List;

/**
 * Turns rows of per-modality token sequences into the {@link AudioGuidedTransformer}'s input: per modality,
 * standardised tokens (thinned evenly to at most {@code maxTokens}) zero-padded to the longest sequence of the batch and the
 * padding mask. A missing modality is an all-zero mask.
 */
final class TokenInputs {

    private TokenInputs() {
    }

    /** Fails with the row's name when the modality count or a token width does not match the spec. */
    static void check(float[][][] tokens, int[] dims, String row) {
        if (tokens == null || tokens.length != dims.length) {
            throw new IllegalArgumentException(row + ": expected token sequences for " + dims.length
                    + " modalities, got " + (tokens == null ? "none" : tokens.length));
        }
        for (int m = 0; m < dims.length; m++) {
            if (tokens[m] == null) {
                continue;
            }
            if (tokens[m].length == 0) {
                throw new IllegalArgumentException(row + ": modality " + m + " has an empty token sequence");
            }
            for (float[] t : tokens[m]) {
                if (t == null || t.length != dims[m]) {
                    throw new IllegalArgumentException(row + ": modality " + m + " has a token of width "
                            + (t == null ? "null" : t.length) + ", expected " + dims[m]);
                }
            }
        }
    }

    static NDList encode(NDManager manager, List<FusionSample> rows, FeatureScaler scaler, int[] dims, int[] maxTokens) {
        int batch = rows.size();
        int modalities = dims.length;
        NDList inputs = new NDList(2 * modalities);
        for (int m = 0; m < modalities; m++) {
            int length = 1;
            for (FusionSample r : rows) {
                float[][] t = r.tokens()[m];
                if (t != null) {
                    length = Math.max(length, TokenThinning.kept(t.length, maxTokens[m]));
                }
            }
            float[] flat = new float[batch * length * dims[m]];
            float[] mask = new float[batch * length];
            for (int b = 0; b < batch; b++) {
                float[][] t = rows.get(b).tokens()[m];
                if (t == null) {
                    continue;
                }
                int n = TokenThinning.kept(t.length, maxTokens[m]);
                for (int i = 0; i < n; i++) {
                    scaler.scaleInto(m, t[TokenThinning.source(i, t.length, maxTokens[m])], flat, (b * length + i) * dims[m]);
                    mask[b * length + i] = 1f;
                }
            }
            inputs.add(manager.create(flat, new Shape(batch, length, dims[m])));
            inputs.add(manager.create(mask, new Shape(batch, length)));
        }
        return inputs;
    }
}
