package io.merspark.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Token sequences for the AGT: per modality, a variable number of tokens drawn around the class centres of
 * {@link SyntheticFusionData} (so the sequences differ in length and padding matters), some rows missing
 * one modality.
 */
final class SyntheticTokenData {

    static final int[] MAX_TOKENS = {4, 10, 6};

    private final SyntheticFusionData clusters;

    SyntheticTokenData(long seed) {
        clusters = SyntheticFusionData.small(seed);
    }

    List<FusionSample> samples(int n, double missingRate, long seed) {
        Random random = new Random(seed);
        List<FusionSample> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int label = i % SyntheticFusionData.CLASSES;
            float[][][] tokens = new float[MAX_TOKENS.length][][];
            float[][] pooled = new float[MAX_TOKENS.length][];
            for (int m = 0; m < tokens.length; m++) {
                int length = 1 + random.nextInt(MAX_TOKENS[m]);
                tokens[m] = new float[length][];
                for (int t = 0; t < length; t++) {
                    tokens[m][t] = clusters.features(label, random)[m];
                }
                pooled[m] = mean(tokens[m]);
            }
            if (random.nextDouble() < missingRate) {
                int gone = random.nextInt(tokens.length);
                tokens[gone] = null;
                pooled[gone] = null;
            }
            out.add(new FusionSample("t" + seed + "-" + i, pooled, label, 1f, tokens));
        }
        return out;
    }

    private static float[] mean(float[][] tokens) {
        float[] out = new float[tokens[0].length];
        for (float[] t : tokens) {
            for (int d = 0; d < out.length; d++) {
                out[d] += t[d] / tokens.length;
            }
        }
        return out;
    }

    /** A small AGT, quick to train. */
    static TrainSpec.Builder agtSpec() {
        return SyntheticFusionData.spec(SyntheticFusionData.SMALL_DIMS).model(TrainSpec.AGT).folds(2).maxEpochs(8)
                .patience(4).hidden(16).heads(2).layers(1).dropout(0.1).batchSize(16).maxTokens(MAX_TOKENS);
    }
}
