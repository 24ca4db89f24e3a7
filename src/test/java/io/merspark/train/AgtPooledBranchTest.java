package io.merspark.train;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The AGT's optional linear branch over the per-modality means of its standardised input tokens. */
class AgtPooledBranchTest {

    private static final SyntheticTokenData DATA = new SyntheticTokenData(4);
    private static final List<FusionSample> PROBE = DATA.samples(12, 0.3, 77);

    @Test
    void specDefaultsToNoBranchAndRejectsAnUnknownOne() {
        assertEquals(TrainSpec.POOLED_NONE, SyntheticTokenData.agtSpec().build().pooledBranch());
        TrainSpec linear = SyntheticTokenData.agtSpec().pooledBranch(TrainSpec.POOLED_LINEAR).build();
        assertEquals(TrainSpec.POOLED_LINEAR, linear.toBuilder().build().pooledBranch());
        assertTrue(!linear.equals(SyntheticTokenData.agtSpec().build()), "the branch is part of the spec");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SyntheticTokenData.agtSpec().pooledBranch("quadratic").build());
        assertTrue(e.getMessage().startsWith("TrainSpec.pooledBranch "), e.getMessage());
        // ensemble.json files written before the branch existed carry no value: none
        assertEquals(TrainSpec.POOLED_NONE, new TrainSpec(linear.modalities(), linear.inputDims(), linear.numClasses(),
                linear.classes(), 2, 8, 16, 1e-3, 1e-4, 16, 0.1, 4, 1, "cpu", TrainSpec.AGT, 0, false, 2, 1,
                linear.maxTokens(), null, null, null, 0, 0, 0).pooledBranch());
    }

    @Test
    void branchAddsALinearMapOfTheMeanTokenOfEachModality() {
        TrainSpec spec = SyntheticTokenData.agtSpec().pooledBranch(TrainSpec.POOLED_LINEAR).build();
        FusionSample full = PROBE.stream().filter(s -> s.tokens()[0] != null && s.tokens()[1] != null
                && s.tokens()[2] != null).findFirst().orElseThrow();
        List<FusionSample> rows = List.of(full, full.without(2));     // the second row has no text
        int[] dims = spec.inputDims();
        int width = java.util.Arrays.stream(dims).sum();
        int classes = spec.numClasses();
        try (Model model = Model.newInstance("agt-pooled", ai.djl.Device.cpu(), FusionDevices.ENGINE)) {
            AudioGuidedTransformer block = new AudioGuidedTransformer(spec);
            model.setBlock(block);
            NDManager manager = model.getNDManager();
            manager.getEngine().setRandomSeed(3);
            block.initialize(manager, DataType.FLOAT32, AudioGuidedTransformer.inputShapes(spec));
            FeatureScaler identity = FeatureScaler.fit(List.of(), dims);
            NDList inputs = TokenInputs.encode(manager, rows, identity, dims, spec.maxTokens());

            NDArray weight = null;
            NDArray bias = null;
            for (Pair<String, Parameter> p : block.getParameters()) {
                if (p.getKey().contains("pooled_linear") && p.getKey().endsWith("weight")) {
                    weight = p.getValue().getArray();
                } else if (p.getKey().contains("pooled_linear") && p.getKey().endsWith("bias")) {
                    bias = p.getValue().getArray();
                }
            }
            assertEquals(new ai.djl.ndarray.types.Shape(classes, width), weight.getShape());
            float[] w = new float[classes * width];
            float[] b = new float[classes];
            for (int i = 0; i < w.length; i++) {
                w[i] = 0.01f * ((i * 7) % 23 - 11);
            }
            for (int c = 0; c < classes; c++) {
                b[c] = 0.5f * c;
            }
            ParameterStore store = new ParameterStore(manager, false);
            weight.set(new float[w.length]);
            bias.set(new float[classes]);
            float[] without = block.forward(store, inputs, false).singletonOrThrow().toFloatArray();
            weight.set(w);
            bias.set(b);
            float[] with = block.forward(store, inputs, false).singletonOrThrow().toFloatArray();

            for (int r = 0; r < rows.size(); r++) {
                float[] mean = new float[width];                    // the concatenated mean tokens, 0 when missing
                int offset = 0;
                for (int m = 0; m < dims.length; m++) {
                    float[][] t = rows.get(r).tokens()[m] == null ? null
                            : io.merspark.features.TokenThinning.evenly(rows.get(r).tokens()[m], spec.maxTokens()[m]);
                    if (t != null) {
                        for (float[] token : t) {
                            for (int d = 0; d < dims[m]; d++) {
                                mean[offset + d] += token[d] / t.length;
                            }
                        }
                    }
                    offset += dims[m];
                }
                if (r == 1) {
                    for (int d = dims[0] + dims[1]; d < width; d++) {
                        assertEquals(0f, mean[d], "no text: zeros");
                    }
                }
                float[] expected = new float[classes];
                float[] actual = new float[classes];
                for (int c = 0; c < classes; c++) {
                    double z = b[c];
                    for (int d = 0; d < width; d++) {
                        z += w[c * width + d] * mean[d];
                    }
                    expected[c] = (float) z;
                    actual[c] = with[r * classes + c] - without[r * classes + c];
                }
                assertArrayEquals(expected, actual, 1e-4f, "row " + r);
            }
        }
    }

    @Test
    void trainsSavesAndLoadsWithTheBranch(@TempDir Path dir) {
        TrainSpec spec = SyntheticTokenData.agtSpec().pooledBranch(TrainSpec.POOLED_LINEAR).seed(9).build();
        List<FusionSample> train = DATA.samples(120, 0.2, 1);
        List<FusionSample> probe = DATA.samples(30, 0.3, 77);
        try (FusionEnsemble trained = new FusionTrainer().train(train, spec)) {
            float[][] proba = trained.predictSampleProba(probe);
            int correct = 0;
            for (int i = 0; i < probe.size(); i++) {
                correct += FoldTrainer.argmax(proba[i]) == probe.get(i).label() ? 1 : 0;
            }
            assertTrue(correct >= 0.7 * probe.size(), correct + " of " + probe.size());
            trained.save(dir);
            try (FusionEnsemble loaded = FusionEnsemble.load(dir, "cpu")) {
                assertEquals(TrainSpec.POOLED_LINEAR, loaded.spec().pooledBranch());
                float[][] before = trained.predictSampleLogits(probe);
                float[][] after = loaded.predictSampleLogits(probe);
                for (int i = 0; i < before.length; i++) {
                    assertArrayEquals(before[i], after[i], 1e-6f, "row " + i);
                }
            }
        }
    }
}
