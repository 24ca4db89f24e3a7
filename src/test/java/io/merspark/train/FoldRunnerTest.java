package io.merspark.train;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the trainer does with the folds a runner hands back: any runner's jobs, and a member that went NaN refused. */
class FoldRunnerTest {

    @Test
    void aRunnerGetsEveryFoldOnceWithGoldOnlyValidation() {
        List<FusionSample> rows = SyntheticFusionData.small(2).samples(30, 0.0, 4);
        TrainSpec spec = SyntheticFusionData.quickSpec().maxEpochs(2).seed(3).build();
        List<FoldJob> seen = new ArrayList<>();
        FoldRunner recording = (s, source, jobs) -> {
            seen.addAll(jobs);
            return FoldRunner.local().run(s, source, jobs);
        };
        try (FusionEnsemble e = new FusionTrainer().train(SampleSource.of(rows), spec, FoldPlan.allGold(30), recording)) {
            assertEquals(spec.folds(), e.foldMetrics().size());
        }
        assertEquals(List.of(0, 1, 2), seen.stream().map(FoldJob::fold).toList());
        for (FoldJob job : seen) {
            assertEquals(30, job.train().length + job.validation().length, "fold " + job.fold());
        }
        assertEquals(30, seen.stream().mapToInt(j -> j.validation().length).sum(), "each row validates once");
    }

    @Test
    void aMemberWithANonFiniteValidationLogitIsRefused() {
        List<FusionSample> rows = SyntheticFusionData.small(2).samples(30, 0.0, 4);
        TrainSpec spec = SyntheticFusionData.quickSpec().maxEpochs(2).seed(3).build();
        FoldRunner poisoned = (s, source, jobs) -> {
            List<FoldResult> results = new ArrayList<>(FoldRunner.local().run(s, source, jobs));
            FoldResult r = results.get(1);
            r.validationLogits()[0][2] = Float.NaN;
            return results;
        };
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new FusionTrainer().train(SampleSource.of(rows), spec, FoldPlan.allGold(30), poisoned));
        assertTrue(e.getMessage().contains("fold 1") && e.getMessage().contains("NaN"), e.getMessage());
    }

    @Test
    void aFoldThatWentNonFiniteIsTrainedAgainAndOneThatStaysSoIsGivenUpAfterTheLastAttempt() {
        List<FusionSample> rows = SyntheticFusionData.small(2).samples(30, 0.0, 4);
        TrainSpec spec = SyntheticFusionData.quickSpec().maxEpochs(2).seed(3).build();
        FoldJob job = new FoldJob(0, java.util.stream.IntStream.range(0, 20).toArray(),
                java.util.stream.IntStream.range(20, 30).toArray());
        FoldResult good = new FoldTrainer(spec, ai.djl.Device.cpu()).train(job, SampleSource.of(rows));
        float[][] nan = new float[good.validationLogits().length][];
        for (int i = 0; i < nan.length; i++) {
            nan[i] = good.validationLogits()[i].clone();
        }
        nan[3][1] = Float.NaN;
        FoldResult bad = new FoldResult(good.scaler(), good.params(), good.metrics(), nan);

        int[] calls = {0};
        FoldResult once = FiniteFoldRetry.train(0, () -> calls[0]++ == 0 ? bad : good);
        assertEquals(2, calls[0]);
        assertSame(good, once);

        calls[0] = 0;
        FoldResult always = FiniteFoldRetry.train(0, () -> {
            calls[0]++;
            return bad;
        });
        assertEquals(FiniteFoldRetry.ATTEMPTS, calls[0]);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> FusionTrainer.requireFinite(always));
        assertTrue(e.getMessage().contains("fold 0") && e.getMessage().contains("each of 3 trainings"), e.getMessage());

        calls[0] = 0;
        FiniteFoldRetry.train(0, () -> {
            calls[0]++;
            return good;
        });
        assertEquals(1, calls[0], "a finite fold trains once");
    }
}
