package io.merspark.train;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Members that continue an earlier ensemble's members, and what decides whether they may. */
class WarmStartTest {

    private final List<FusionSample> samples = new SyntheticTokenData(3).samples(48, 0.0, 9);

    @Test
    void aWarmMemberStartsFromItsPredecessorsParametersAndScaler() {
        TrainSpec spec = SyntheticTokenData.agtSpec().maxEpochs(4).patience(4).build();
        // a step too small to move anything: after one epoch each member still predicts what it started from
        TrainSpec still = SyntheticTokenData.agtSpec().maxEpochs(1).patience(1).learningRate(1e-12).weightDecay(0)
                .build();
        try (FusionEnsemble first = new FusionTrainer().train(samples, spec);
             FusionEnsemble warm = new FusionTrainer().train(SampleSource.of(samples), still,
                     FoldPlan.allGold(samples.size()), FoldRunner.local(), first.memberInits());
             FusionEnsemble fresh = new FusionTrainer().train(samples, still)) {
            float[][][] before = first.memberSampleLogits(samples);
            float[][][] after = warm.memberSampleLogits(samples);
            float[][][] fromScratch = fresh.memberSampleLogits(samples);
            double freshGap = 0;
            for (int k = 0; k < before.length; k++) {
                assertArrayEquals(first.memberInits().get(k).scaler().mean()[0],
                        warm.memberInits().get(k).scaler().mean()[0], "member " + k + " keeps its scaler");
                for (int r = 0; r < samples.size(); r++) {
                    assertArrayEquals(before[k][r], after[k][r], 1e-4f, "member " + k + " row " + r);
                    for (int c = 0; c < before[k][r].length; c++) {
                        freshGap = Math.max(freshGap, Math.abs(before[k][r][c] - fromScratch[k][r][c]));
                    }
                }
            }
            assertTrue(freshGap > 0.05, "fresh members start elsewhere (largest logit gap " + freshGap + ")");
        }
    }

    @Test
    void aWarmMemberStillLearns() {
        TrainSpec spec = SyntheticTokenData.agtSpec().maxEpochs(2).patience(2).build();
        try (FusionEnsemble first = new FusionTrainer().train(samples, spec);
             FusionEnsemble warm = new FusionTrainer().train(SampleSource.of(samples), spec,
                     FoldPlan.allGold(samples.size()), FoldRunner.local(), first.memberInits())) {
            for (int k = 0; k < first.size(); k++) {
                assertFalse(Arrays.equals(first.memberInits().get(k).params(), warm.memberInits().get(k).params()),
                        "member " + k + " moved from where it started");
            }
        }
    }

    @Test
    void initsMustMatchTheMembers() {
        TrainSpec spec = SyntheticTokenData.agtSpec().maxEpochs(1).patience(1).build();
        try (FusionEnsemble first = new FusionTrainer().train(samples, spec)) {
            List<MemberInit> one = first.memberInits().subList(0, 1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FusionTrainer()
                    .train(SampleSource.of(samples), spec, FoldPlan.allGold(samples.size()), FoldRunner.local(), one));
            assertTrue(e.getMessage().contains("1 members, the spec 2"), e.getMessage());
        }
    }

    @Test
    void aSpecNamesWhatKeepsItFromContinuingAnEarlierOne() {
        TrainSpec spec = SyntheticTokenData.agtSpec().build();
        assertEquals(java.util.Optional.empty(), spec.warmStartMismatch(spec));
        // what only steers training may change between rounds
        assertEquals(java.util.Optional.empty(), spec.warmStartMismatch(
                SyntheticTokenData.agtSpec().learningRate(0.01).patience(2).maxEpochs(3).dropout(0.3).build()));
        String why = spec.warmStartMismatch(SyntheticTokenData.agtSpec().hidden(32).seed(7).build()).orElseThrow();
        assertEquals("the earlier ensemble differs in width, seed", why);
        assertTrue(spec.warmStartMismatch(SyntheticTokenData.agtSpec().folds(3).build()).orElseThrow().endsWith("folds"));
    }

    @Test
    void theFoldFingerprintFollowsTheGoldRowsOnly() {
        TrainSpec spec = SyntheticTokenData.agtSpec().build();
        List<String> ids = List.of("a", "b", "c", "d");
        FoldPlan plan = new FoldPlan(new boolean[] {true, true, true, true}, new String[] {"g1", "g1", "g2", "g2"});
        String base = fingerprint(ids, new int[] {0, 1, 0, 1}, plan, spec);
        assertEquals(base, fingerprint(ids, new int[] {0, 1, 0, 1}, plan, spec));

        // pseudo-labelled rows between the gold ones change nothing
        FoldPlan withPseudo = new FoldPlan(new boolean[] {true, false, true, true, false, true},
                new String[] {"g1", null, "g1", "g2", null, "g2"});
        assertEquals(base, fingerprint(List.of("a", "p1", "b", "c", "p2", "d"), new int[] {0, 2, 1, 0, 3, 1},
                withPseudo, spec));

        // a gold label, a group, a row, the seed or the folds do
        assertNotEquals(base, fingerprint(ids, new int[] {0, 1, 0, 2}, plan, spec));
        assertNotEquals(base, fingerprint(ids, new int[] {0, 1, 0, 1},
                new FoldPlan(plan.gold(), new String[] {"g1", "g2", "g2", "g2"}), spec));
        assertNotEquals(base, fingerprint(ids, new int[] {0, 1, 0, 1}, new FoldPlan(plan.gold(), null), spec));
        assertNotEquals(base, fingerprint(List.of("a", "b", "c", "e"), new int[] {0, 1, 0, 1}, plan, spec));
        assertNotEquals(base, fingerprint(ids, new int[] {0, 1, 0, 1}, plan, SyntheticTokenData.agtSpec().seed(99).build()));
        assertNotEquals(base, fingerprint(ids, new int[] {0, 1, 0, 1}, plan, SyntheticTokenData.agtSpec().folds(3).build()));
    }

    private static String fingerprint(List<String> ids, int[] labels, FoldPlan plan, TrainSpec spec) {
        List<FusionSample> rows = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            rows.add(FusionSample.labelled(ids.get(i), new float[][] {{i}}, labels[i]));
        }
        return FoldFingerprint.of(ids, SampleSource.of(rows), plan, spec);
    }
}
