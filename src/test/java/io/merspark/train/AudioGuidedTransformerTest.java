package io.merspark.train;

import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AudioGuidedTransformerTest {

    private static final SyntheticTokenData DATA = new SyntheticTokenData(4);
    private static final List<FusionSample> TRAIN = DATA.samples(120, 0.2, 1);
    private static final List<FusionSample> PROBE = DATA.samples(30, 0.3, 77);

    private static FusionEnsemble trained;

    @BeforeAll
    static void train() {
        trained = new FusionTrainer().train(TRAIN, SyntheticTokenData.agtSpec().modalityDropout(0.2).seed(9).build());
    }

    @AfterAll
    static void close() {
        trained.close();
    }

    @Test
    void forwardGivesOneLogitRowPerSampleWhateverTheSequenceLengths() {
        TrainSpec spec = SyntheticTokenData.agtSpec().build();
        try (Model model = Model.newInstance("agt-shapes", ai.djl.Device.cpu(), FusionDevices.ENGINE)) {
            AudioGuidedTransformer block = new AudioGuidedTransformer(spec);
            model.setBlock(block);
            NDManager manager = model.getNDManager();
            block.initialize(manager, ai.djl.ndarray.types.DataType.FLOAT32, AudioGuidedTransformer.inputShapes(spec));
            FeatureScaler identity = FeatureScaler.fit(List.of(), spec.inputDims());
            NDList inputs = TokenInputs.encode(manager, PROBE.subList(0, 7), identity, spec.inputDims(), spec.maxTokens());
            assertEquals(6, inputs.size());
            assertEquals(3, inputs.get(0).getShape().dimension());
            assertEquals(16, inputs.get(0).getShape().get(2));
            assertEquals(inputs.get(0).getShape().get(1), inputs.get(1).getShape().get(1));
            NDList out = block.forward(new ParameterStore(manager, false), inputs, false);
            assertEquals(new ai.djl.ndarray.types.Shape(7, 6), out.singletonOrThrow().getShape());
        }
    }

    @Test
    void positionalEncodingsMakeTheModelSeeTokenOrder() {
        // Without order information self-attention and mean pooling ignore the order of a modality's tokens;
        // with sinusoidal encodings reversing the audio tokens changes the logits.
        FusionSample sample = PROBE.stream().filter(s -> s.tokens()[1] != null && s.tokens()[1].length >= 3)
                .findFirst().orElseThrow();
        float[][][] reversedTokens = sample.tokens().clone();
        float[][] audio = sample.tokens()[1].clone();
        java.util.Collections.reverse(java.util.Arrays.asList(audio));
        reversedTokens[1] = audio;
        FusionSample reversed = new FusionSample(sample.sampleId(), sample.features(), sample.label(),
                sample.weight(), reversedTokens);
        float[][] unordered = logits(SyntheticTokenData.agtSpec().build(), sample, reversed);
        assertArrayEquals(unordered[0], unordered[1], 1e-5f);
        float[][] ordered = logits(SyntheticTokenData.agtSpec().positional(TrainSpec.POSITIONAL_SINUSOIDAL).build(),
                sample, reversed);
        float gap = 0;
        for (int c = 0; c < ordered[0].length; c++) {
            gap = Math.max(gap, Math.abs(ordered[0][c] - ordered[1][c]));
        }
        assertTrue(gap > 1e-3f, "reversing the audio tokens moved the logits by only " + gap);
    }

    private static float[][] logits(TrainSpec spec, FusionSample... rows) {
        try (Model model = Model.newInstance("agt-order", ai.djl.Device.cpu(), FusionDevices.ENGINE)) {
            AudioGuidedTransformer block = new AudioGuidedTransformer(spec);
            model.setBlock(block);
            NDManager manager = model.getNDManager();
            manager.getEngine().setRandomSeed(3);
            block.initialize(manager, ai.djl.ndarray.types.DataType.FLOAT32, AudioGuidedTransformer.inputShapes(spec));
            FeatureScaler identity = FeatureScaler.fit(List.of(), spec.inputDims());
            NDList inputs = TokenInputs.encode(manager, List.of(rows), identity, spec.inputDims(), spec.maxTokens());
            NDList out = block.forward(new ParameterStore(manager, false), inputs, false);
            float[] flat = out.singletonOrThrow().toFloatArray();
            int classes = spec.numClasses();
            float[][] result = new float[rows.length][classes];
            for (int r = 0; r < rows.length; r++) {
                System.arraycopy(flat, r * classes, result[r], 0, classes);
            }
            return result;
        }
    }

    @Test
    void longSequencesAreThinnedEvenlyNotCutAtTheHead() {
        TrainSpec spec = SyntheticTokenData.agtSpec().build();
        int cap = spec.maxTokens()[1];
        FusionSample sample = PROBE.get(0);
        float[][][] tokens = sample.tokens().clone();
        float[][] audio = new float[2 * cap][spec.inputDims()[1]];
        for (int i = 0; i < audio.length; i++) {
            audio[i][0] = i;
        }
        tokens[1] = audio;
        FusionSample longOne = new FusionSample("long", sample.features(), sample.label(), 1f, tokens);
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), FusionDevices.ENGINE)) {
            FeatureScaler identity = FeatureScaler.fit(List.of(), spec.inputDims());
            NDList inputs = TokenInputs.encode(manager, List.of(longOne), identity, spec.inputDims(), spec.maxTokens());
            float[] kept = inputs.get(2).toFloatArray();
            int width = spec.inputDims()[1];
            assertEquals(cap * width, kept.length);
            for (int i = 0; i < cap; i++) {
                assertEquals(2 * i + 1, kept[i * width], 0f, "kept token " + i);   // floor((i + 0.5) * 2cap / cap)
            }
        }
    }

    @Test
    void paddingDoesNotChangeASamplesLogits() {
        // The same sample alone (no padding) and next to longer ones (padded) must score the same.
        FusionSample shortOne = PROBE.stream().filter(s -> s.tokens()[1] != null && s.tokens()[1].length < 5)
                .findFirst().orElseThrow();
        FusionSample longOne = new SyntheticTokenData(4).samples(60, 0, 5).stream()
                .filter(s -> s.tokens()[1].length == SyntheticTokenData.MAX_TOKENS[1]).findFirst().orElseThrow();
        float[][] alone = trained.predictSampleLogits(List.of(shortOne));
        float[][] padded = trained.predictSampleLogits(List.of(longOne, shortOne));
        assertArrayEquals(alone[0], padded[1], 1e-4f);
    }

    @Test
    void missingModalitiesStillGiveFiniteProbabilities() {
        FusionSample full = PROBE.stream().filter(s -> s.tokens()[0] != null && s.tokens()[1] != null
                && s.tokens()[2] != null).findFirst().orElseThrow();
        List<FusionSample> rows = List.of(full, full.without(1), full.without(0).without(2), full.without(1).without(2));
        float[][] proba = trained.predictSampleProba(rows);
        for (float[] row : proba) {
            double sum = 0;
            for (float p : row) {
                assertTrue(Float.isFinite(p) && p >= 0, java.util.Arrays.toString(row));
                sum += p;
            }
            assertEquals(1.0, sum, 1e-5);
        }
        assertFalse(java.util.Arrays.equals(proba[0], proba[1]), "dropping audio changes the prediction");
        assertFalse(java.util.Arrays.equals(proba[0], proba[2]), "dropping video and text changes the prediction");
    }

    @Test
    void learnsTheSyntheticClasses() {
        float[][] proba = trained.predictSampleProba(PROBE);
        int correct = 0;
        for (int i = 0; i < PROBE.size(); i++) {
            correct += FoldTrainer.argmax(proba[i]) == PROBE.get(i).label() ? 1 : 0;
        }
        assertTrue(correct >= 0.7 * PROBE.size(), correct + " of " + PROBE.size());
    }

    @Test
    void sameSeedGivesIdenticalLogitsAndAnotherSeedDoesNot() {
        TrainSpec spec = SyntheticTokenData.agtSpec().maxEpochs(3).modalityDropout(0.3).seed(21).build();
        List<FusionSample> small = TRAIN.subList(0, 60);
        float[][] first;
        float[][] second;
        float[][] other;
        try (FusionEnsemble a = new FusionTrainer().train(small, spec)) {
            first = a.predictSampleLogits(PROBE);
        }
        try (FusionEnsemble b = new FusionTrainer().train(small, spec)) {
            second = b.predictSampleLogits(PROBE);
        }
        try (FusionEnsemble c = new FusionTrainer().train(small, spec.toBuilder().seed(22).build())) {
            other = c.predictSampleLogits(PROBE);
        }
        for (int i = 0; i < first.length; i++) {
            assertArrayEquals(first[i], second[i], 0f, "row " + i);
        }
        assertFalse(java.util.Arrays.deepEquals(first, other));
    }

    @Test
    void saveThenLoadPredictsTheSameLogits(@TempDir Path dir) {
        trained.save(dir);
        try (FusionEnsemble loaded = FusionEnsemble.load(dir, "cpu")) {
            assertEquals(trained.spec(), loaded.spec());
            assertEquals(TrainSpec.AGT, loaded.spec().model());
            float[][] before = trained.predictSampleLogits(PROBE);
            float[][] after = loaded.predictSampleLogits(PROBE);
            for (int i = 0; i < before.length; i++) {
                assertArrayEquals(before[i], after[i], 1e-6f, "row " + i);
            }
        }
    }

    @Test
    void trainsFromAStreamedTokenCacheAsFromMemory(@TempDir Path dir) {
        TrainSpec spec = SyntheticTokenData.agtSpec().maxEpochs(2).seed(5).build();
        List<FusionSample> small = TRAIN.subList(0, 40);
        float[][] fromMemory;
        try (FusionEnsemble a = new FusionTrainer().train(small, spec)) {
            fromMemory = a.predictSampleLogits(PROBE);
        }
        try (TokenCache cache = TokenCache.spill(small.iterator(), 3, dir.resolve("rows.tokens"));
             FusionEnsemble b = new FusionTrainer().train(cache, spec)) {
            assertEquals(40, cache.size());
            float[][] fromDisk = b.predictSampleLogits(PROBE);
            for (int i = 0; i < fromDisk.length; i++) {
                assertArrayEquals(fromMemory[i], fromDisk[i], 0f, "row " + i);
            }
        }
    }

    @Test
    void rejectsRowsWithoutTokensAndSpecsWithoutAudio() {
        List<FusionSample> pooledOnly = new ArrayList<>(TRAIN.subList(0, 10));
        pooledOnly.add(FusionSample.labelled("pooled-only", TRAIN.get(0).features(), 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new FusionTrainer().train(pooledOnly, SyntheticTokenData.agtSpec().build()));
        assertTrue(e.getMessage().contains("pooled-only") && e.getMessage().contains("token"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrainSpec.builder(List.of("video", "text"),
                new int[] {16, 12}, TrainSpec.MER_CLASSES).model(TrainSpec.AGT).maxTokens(4, 6).hidden(16).build());
        assertTrue(e.getMessage().contains("audio"), e.getMessage());
    }
}
