package io.merspark.train;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import io.merspark.features.TokenThinning;

import java.util.List;

/** What differs between the fusion models: the block, its input tensors, and what the scaler is fitted on. */
final class FusionModels {

    private FusionModels() {
    }

    /** Loads {@code Block.saveParameters} bytes into the model's block (a member being rebuilt or warm-started). */
    static void loadParameters(ai.djl.Model model, byte[] params) throws java.io.IOException,
            ai.djl.MalformedModelException {
        model.getBlock().loadParameters(model.getNDManager(),
                new java.io.DataInputStream(new java.io.ByteArrayInputStream(params)));
    }

    static AbstractBlock block(TrainSpec spec) {
        return spec.isAgt() ? new AudioGuidedTransformer(spec) : new AttentionFusionBlock(spec);
    }

    static Shape[] inputShapes(TrainSpec spec) {
        return spec.isAgt() ? AudioGuidedTransformer.inputShapes(spec) : AttentionFusionBlock.inputShapes(spec);
    }

    static NDList encode(NDManager manager, List<FusionSample> rows, FeatureScaler scaler, TrainSpec spec) {
        if (spec.isAgt()) {
            return TokenInputs.encode(manager, rows, scaler, spec.inputDims(), spec.maxTokens());
        }
        return FusionInputs.encode(manager, rows.stream().map(FusionSample::features).toList(), scaler, spec.inputDims());
    }

    /** Fails naming the row when its features do not fit the model. */
    static void check(FusionSample s, TrainSpec spec, String row) {
        if (spec.isAgt()) {
            TokenInputs.check(s.tokens(), spec.inputDims(), row);
        } else {
            FusionInputs.check(s.features(), spec.inputDims(), row);
        }
    }

    /** Adds what the model standardises: pooled vectors, or the tokens the AGT will read. */
    static void accumulate(FeatureScaler.Accumulator acc, FusionSample s, TrainSpec spec) {
        int modalities = spec.numModalities();
        int[] maxTokens = spec.maxTokens();
        for (int m = 0; m < modalities; m++) {
            if (spec.isAgt()) {
                float[][] t = s.tokens()[m];
                if (t != null) {
                    for (float[] token : TokenThinning.evenly(t, maxTokens[m])) {
                        acc.add(m, token);
                    }
                }
            } else if (s.features()[m] != null) {
                acc.add(m, s.features()[m]);
            }
        }
    }
}
