package io.merspark.train;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
