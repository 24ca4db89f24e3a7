package io.merspark.train;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.List;

/** Turns rows of per-modality vectors into the {@link AttentionFusionBlock}'s input tensors. */
final class FusionInputs {

    private FusionInputs() {
    }

    /** Fails with the row's name when its modality count or a vector width does not match the spec. */
    static void check(float[][] features, int[] dims, String row) {
        if (features == null || features.length != dims.length) {
            throw new IllegalArgumentException(row + ": expected " + dims.length + " modality slots, got "
                    + (features == null ? "null" : features.length));
        }
        for (int m = 0; m < dims.length; m++) {
            if (features[m] != null && features[m].length != dims[m]) {
                throw new IllegalArgumentException(row + ": modality " + m + " has width " + features[m].length
                        + ", expected " + dims[m]);
            }
        }
    }

    /**
     * Standardised features (zeros where a modality is missing) plus the presence mask, as arrays of
     * {@code manager}.
     */
    static NDList encode(NDManager manager, List<float[][]> rows, FeatureScaler scaler, int[] dims) {
        int batch = rows.size();
        int modalities = dims.length;
        float[][] flat = new float[modalities][];
        for (int m = 0; m < modalities; m++) {
            flat[m] = new float[batch * dims[m]];
        }
        float[] mask = new float[batch * modalities];
        for (int b = 0; b < batch; b++) {
            float[][] row = rows.get(b);
            check(row, dims, "row " + b);
            for (int m = 0; m < modalities; m++) {
                if (row[m] != null) {
                    scaler.scaleInto(m, row[m], flat[m], b * dims[m]);
                    mask[b * modalities + m] = 1f;
                }
            }
        }
        NDList inputs = new NDList(modalities + 1);
        for (int m = 0; m < modalities; m++) {
            inputs.add(manager.create(flat[m], new Shape(batch, dims[m])));
        }
        inputs.add(manager.create(mask, new Shape(batch, modalities)));
        return inputs;
    }
}
