package io.merspark.train;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FusionTrainerTest {

    private static final SyntheticFusionData DATA = SyntheticFusionData.small(3);
    private static final List<FusionSample> TRAIN = DATA.samples(240, 0.25, 10);
    private static final List<FusionSample> HELD_OUT = DATA.samples(120, 0.0, 20);

    private static FusionEnsemble trained;

    @BeforeAll
    static void train() {
        trained = new FusionTrainer().train(TRAIN, SyntheticFusionData.quickSpec().seed(5).build());
    }

    @AfterAll
    static void close() {
        trained.close();
    }

    @Test
    void reachesHighValidationWafOnSeparableData() {
        assertEquals(3, trained.size());
        for (FoldMetrics m : trained.foldMetrics()) {
            assertTrue(m.waf() > 0.9, "fold " + m.fold() + " WAF " + m.waf());
            assertTrue(m.accuracy() > 0.9, "fold " + m.fold() + " accuracy " + m.accuracy());
            assertEquals(80, m.validationSize());
            assertEquals(160, m.trainSize());
            assertTrue(m.bestEpoch() >= 0 && m.bestEpoch() < m.epochsRun() && m.epochsRun() <= 60);
        }
        float[][] proba = trained.predictProba(SyntheticFusionData.features(HELD_OUT));
        int correct = 0;
        for (int i = 0; i < proba.length; i++) {
            correct += SyntheticFusionData.argmax(proba[i]) == HELD_OUT.get(i).label() ? 1 : 0;
        }
        assertTrue(correct / (double) proba.length > 0.9, "held-out accuracy " + correct / (double) proba.length);
    }

    @Test
    void missingModalityGivesFiniteDistributionThatDiffersFromTheFullOne() {
        float[][] full = HELD_OUT.get(0).features();
        float[][] noAudio = {full[0], null, full[2]};
        float[][] onlyText = {null, null, full[2]};
        float[][] nothing = {null, null, null};
        float[][] proba = trained.predictProba(List.of(full, noAudio, onlyText, nothing));
        for (float[] row : proba) {
            double sum = 0;
            for (float p : row) {
                assertTrue(Float.isFinite(p) && p >= 0);
                sum += p;
            }
            assertEquals(1.0, sum, 1e-5);
        }
        assertFalse(java.util.Arrays.equals(proba[0], proba[1]));
        assertFalse(java.util.Arrays.equals(proba[1], proba[2]));
    }

    @Test
    void memberOutputsAreConsistentWithTheEnsembleMean() {
        List<float[][]> rows = SyntheticFusionData.features(HELD_OUT.subList(0, 10));
        float[][][] members = trained.memberLogits(rows);
        float[][] mean = trained.predictLogits(rows);
        float[][][] memberProba = trained.memberProba(rows);
        assertEquals(3, members.length);
        assertEquals(3, memberProba.length);
        for (int r = 0; r < rows.size(); r++) {
            for (int c = 0; c < 6; c++) {
                double expected = (members[0][r][c] + members[1][r][c] + members[2][r][c]) / 3.0;
                assertEquals(expected, mean[r][c], 1e-5);
            }
            assertEquals(1.0, sum(memberProba[1][r]), 1e-5);
        }
    }

    @Test
    void sameSeedGivesIdenticalLogitsAndAnotherSeedDoesNot() {
        List<FusionSample> small = DATA.samples(90, 0.25, 30);
        TrainSpec spec = SyntheticFusionData.quickSpec().folds(2).maxEpochs(6).seed(17).build();
        List<float[][]> probe = SyntheticFusionData.features(HELD_OUT.subList(0, 20));
        float[][] first;
        float[][] second;
        float[][] other;
        FusionTrainer trainer = new FusionTrainer();
        List<FoldMetrics> firstMetrics;
        try (FusionEnsemble a = trainer.train(small, spec)) {
            first = a.predictLogits(probe);
            firstMetrics = a.foldMetrics();
        }
        try (FusionEnsemble b = trainer.train(small, spec)) {
            second = b.predictLogits(probe);
            assertEquals(firstMetrics, b.foldMetrics());
        }
        try (FusionEnsemble c = trainer.train(small, spec.toBuilder().seed(18).build())) {
            other = c.predictLogits(probe);
        }
        for (int i = 0; i < first.length; i++) {
            assertArrayEquals(first[i], second[i], 0f, "row " + i);
        }
        assertFalse(java.util.Arrays.deepEquals(first, other));
    }

    @Test
    void zeroWeightOnAClassRemovesItFromTheModel() {
        int muted = 2;
        List<FusionSample> weighted = new ArrayList<>();
        for (FusionSample s : TRAIN) {
            weighted.add(new FusionSample(s.sampleId(), s.features(), s.label(), s.label() == muted ? 0f : 1f));
        }
        List<float[][]> mutedRows = new ArrayList<>();
        for (FusionSample s : HELD_OUT) {
            if (s.label() == muted) {
                mutedRows.add(s.features());
            }
        }
        try (FusionEnsemble withoutClass = new FusionTrainer().train(weighted,
                SyntheticFusionData.quickSpec().seed(5).build())) {
            double normal = meanProbability(trained.predictProba(mutedRows), muted);
            double zeroed = meanProbability(withoutClass.predictProba(mutedRows), muted);
            assertTrue(normal > 0.8, "normally the class is recognised: " + normal);
            assertTrue(zeroed < 0.1, "with zero weight the class is never learnt: " + zeroed);
        }
    }

    @Test
    void rowsWithZeroWeightTeachNothing() {
        List<FusionSample> muted = TRAIN.stream()
                .map(s -> new FusionSample(s.sampleId(), s.features(), s.label(), 0f))
                .toList();
        TrainSpec spec = SyntheticFusionData.quickSpec().seed(5).build();
        try (FusionEnsemble untouched = new FusionTrainer().train(muted, spec)) {
            for (FoldMetrics m : untouched.foldMetrics()) {
                assertEquals(0, m.bestEpoch(), "the validation score never moves");
                assertEquals(spec.patience() + 1, m.epochsRun());
            }
        }
    }

    @Test
    void rejectsRowsItCannotTrainOn() {
        TrainSpec spec = SyntheticFusionData.quickSpec().build();
        List<FusionSample> unlabelled = new ArrayList<>(TRAIN.subList(0, 10));
        unlabelled.add(new FusionSample("pool-1", TRAIN.get(0).features(), FusionSample.UNKNOWN, 1f));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new FusionTrainer().train(unlabelled, spec));
        assertTrue(e.getMessage().contains("pool-1") && e.getMessage().contains("label"), e.getMessage());

        List<FusionSample> wrongWidth = new ArrayList<>(TRAIN.subList(0, 10));
        wrongWidth.add(FusionSample.labelled("narrow", new float[][] {new float[16], new float[7], null}, 1));
        e = assertThrows(IllegalArgumentException.class, () -> new FusionTrainer().train(wrongWidth, spec));
        assertTrue(e.getMessage().contains("narrow") && e.getMessage().contains("width"), e.getMessage());

        List<FusionSample> empty = new ArrayList<>(TRAIN.subList(0, 10));
        empty.add(FusionSample.labelled("blank", new float[3][], 1));
        e = assertThrows(IllegalArgumentException.class, () -> new FusionTrainer().train(empty, spec));
        assertTrue(e.getMessage().contains("blank"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> trained.predictLogits(List.<float[][]>of(new float[][] {new float[16], new float[8]})));
        assertTrue(e.getMessage().contains("row 0"), e.getMessage());
    }

    private static double meanProbability(float[][] proba, int cls) {
        double sum = 0;
        for (float[] row : proba) {
            sum += row[cls];
        }
        return sum / proba.length;
    }

    private static double sum(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s;
    }

    @Test
    void heldOutDataIsNotTheTrainingData() {
        // guards the accuracy checks against a generator that repeats rows
        assertNotEquals(TRAIN.get(0).features()[0][0], HELD_OUT.get(0).features()[0][0]);
    }
}
