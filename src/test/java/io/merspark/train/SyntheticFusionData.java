package io.merspark.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Class-dependent Gaussian clusters in several modalities with deliberately different scales and offsets
 * (as the real face / speech / sentence embeddings have), some rows missing one modality.
 */
final class SyntheticFusionData {

    static final List<String> MODALITIES = List.of("video", "audio", "text");
    static final int[] SMALL_DIMS = {16, 8, 12};
    static final int CLASSES = 6;

    private final float[][][] centres;   // [modality][class][dim]
    private final float[] scale;
    private final float[] offset;
    private final int[] dims;
    private final double noise;

    SyntheticFusionData(int[] dims, double separation, double noise, long seed) {
        Random random = new Random(seed);
        this.dims = dims.clone();
        this.noise = noise;
        centres = new float[dims.length][CLASSES][];
        scale = new float[dims.length];
        offset = new float[dims.length];
        for (int m = 0; m < dims.length; m++) {
            scale[m] = (float) Math.pow(10, m - 1);   // 0.1, 1, 10
            offset[m] = 5f * m;
            for (int c = 0; c < CLASSES; c++) {
                centres[m][c] = new float[dims[m]];
                for (int d = 0; d < dims[m]; d++) {
                    centres[m][c][d] = (float) (random.nextGaussian() * separation);
                }
            }
        }
    }

    static SyntheticFusionData small(long seed) {
        return new SyntheticFusionData(SMALL_DIMS, 1.0, 1.0, seed);
    }

    float[][] features(int label, Random random) {
        float[][] f = new float[dims.length][];
        for (int m = 0; m < dims.length; m++) {
            f[m] = new float[dims[m]];
            for (int d = 0; d < dims[m]; d++) {
                f[m][d] = offset[m] + scale[m] * (float) (centres[m][label][d] + noise * random.nextGaussian());
            }
        }
        return f;
    }

    /** Balanced rows; with probability {@code missingRate} a row loses one random modality. */
    List<FusionSample> samples(int n, double missingRate, long seed) {
        Random random = new Random(seed);
        List<FusionSample> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int label = i % CLASSES;
            float[][] f = features(label, random);
            if (random.nextDouble() < missingRate) {
                f[random.nextInt(dims.length)] = null;
            }
            out.add(FusionSample.labelled("s" + seed + "-" + i, f, label));
        }
        return out;
    }

    static TrainSpec.Builder spec(int[] dims) {
        return TrainSpec.builder(MODALITIES, dims, TrainSpec.MER_CLASSES).device("cpu");
    }

    /** Small and quick, for tests that train several times. */
    static TrainSpec.Builder quickSpec() {
        return spec(SMALL_DIMS).folds(3).maxEpochs(60).patience(10).hidden(32).batchSize(32);
    }

    static List<float[][]> features(List<FusionSample> samples) {
        return samples.stream().map(FusionSample::features).toList();
    }

    static int argmax(float[] v) {
        return FoldTrainer.argmax(v);
    }
}
