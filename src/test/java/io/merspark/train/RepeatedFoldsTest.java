package io.merspark.train;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RepeatedFoldsTest {

    /** 30 rows: 20 gold in 10 groups of two, 10 pseudo-labelled; labels cycle over 3 classes. */
    private static final int ROWS = 30;
    private static final int GOLD = 20;

    private static List<FusionSample> rows() {
        List<FusionSample> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            rows.add(FusionSample.labelled("s" + i, new float[][] {{i}}, i % 3));
        }
        return rows;
    }

    private static FoldPlan plan() {
        boolean[] gold = new boolean[ROWS];
        String[] groups = new String[ROWS];
        for (int i = 0; i < ROWS; i++) {
            gold[i] = i < GOLD;
            groups[i] = gold[i] ? "g" + (i % 10) : null;
        }
        return new FoldPlan(gold, groups);
    }

    private static TrainSpec.Builder spec() {
        return TrainSpec.builder(List.of("audio"), new int[] {1}, List.of("a", "b", "c")).folds(5);
    }

    @Test
    void eachRepeatDealsTheGoldRowsIntoItsOwnFolds() {
        TrainSpec spec = spec().repeats(2).build();
        SampleSource source = SampleSource.of(rows());
        List<FoldJob> jobs = FusionTrainer.jobs(source, spec, plan());
        assertEquals(10, jobs.size());
        int[][] validationFold = new int[2][ROWS];
        for (int[] v : validationFold) {
            Arrays.fill(v, -1);
        }
        for (int k = 0; k < jobs.size(); k++) {
            FoldJob job = jobs.get(k);
            assertEquals(k, job.fold(), "job r*k+f");
            int repeat = k / 5;
            for (int row : job.validation()) {
                assertTrue(row < GOLD, "pseudo-labelled row " + row + " validates");
                assertEquals(-1, validationFold[repeat][row], "row " + row + " validates twice in repeat " + repeat);
                validationFold[repeat][row] = k % 5;
            }
            Set<Integer> train = new HashSet<>();
            Arrays.stream(job.train()).forEach(train::add);
            for (int row = GOLD; row < ROWS; row++) {
                assertTrue(train.contains(row), "pseudo-labelled row " + row + " trains every member");
            }
            assertEquals(ROWS, job.train().length + job.validation().length);
        }
        for (int repeat = 0; repeat < 2; repeat++) {
            for (int row = 0; row < GOLD; row++) {
                assertTrue(validationFold[repeat][row] >= 0, "gold row " + row + " out of fold once per repeat");
                assertEquals(validationFold[repeat][row % 10], validationFold[repeat][row], "group shares a fold");
            }
        }
        // repeat 0 is the plain k-fold of the run's seed; repeat 1 deals the groups differently
        int[] plain = FusionTrainer.folds(source, spec, plan());
        assertArrayEquals(Arrays.copyOf(plain, GOLD), Arrays.copyOf(validationFold[0], GOLD));
        assertFalse(Arrays.equals(validationFold[0], validationFold[1]));
        // one repeat: exactly the jobs of the plain k-fold
        List<FoldJob> single = FusionTrainer.jobs(source, spec().build(), plan());
        assertEquals(5, single.size());
        for (int k = 0; k < 5; k++) {
            assertArrayEquals(jobs.get(k).validation(), single.get(k).validation());
            assertArrayEquals(jobs.get(k).train(), single.get(k).train());
        }
    }

    @Test
    void anEnsembleOfRepeatsHasAMemberPerFoldOfEachRepeat() {
        SyntheticFusionData data = SyntheticFusionData.small(5);
        List<FusionSample> samples = data.samples(60, 0.0, 6);
        TrainSpec spec = SyntheticFusionData.quickSpec().folds(3).repeats(2).maxEpochs(3).patience(3).build();
        try (FusionEnsemble ensemble = new FusionTrainer().train(samples, spec)) {
            assertEquals(6, ensemble.size());
            List<FoldMetrics> folds = ensemble.foldMetrics();
            assertEquals(List.of(0, 1, 2, 3, 4, 5), folds.stream().map(FoldMetrics::fold).toList());
            // every row validates once in each repeat
            assertEquals(60, folds.subList(0, 3).stream().mapToInt(FoldMetrics::validationSize).sum());
            assertEquals(60, folds.subList(3, 6).stream().mapToInt(FoldMetrics::validationSize).sum());
            long[][] confusion = ensemble.validationConfusion().orElseThrow();
            assertEquals(120, Arrays.stream(confusion).flatMapToLong(Arrays::stream).sum(), "a row per repeat");
        }
    }

    @Test
    void smoothedTargetsPutOneMinusEpsilonPlusEpsilonOverCOnTheLabel() {
        assertArrayEquals(new float[] {0, 1, 0, 1, 0, 0}, FoldTrainer.targets(new int[] {1, 0}, 3, 0));
        float[] t = FoldTrainer.targets(new int[] {2, 0}, 4, 0.2);
        assertArrayEquals(new float[] {0.05f, 0.05f, 0.85f, 0.05f, 0.85f, 0.05f, 0.05f, 0.05f}, t, 1e-7f);
    }
}
