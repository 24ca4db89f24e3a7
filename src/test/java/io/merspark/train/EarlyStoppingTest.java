package io.merspark.train;

import org.junit.jupiter.api.Test;

import ai.djl.Device;

import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EarlyStoppingTest {

    /** Epoch k's validation WAF and loss: the WAF peaks at epoch 1, the loss bottoms out at epoch 3. */
    private static final double[] WAF = {0.50, 0.70, 0.60, 0.65, 0.60, 0.62, 0.61};
    private static final double[] LOSS = {1.30, 1.10, 1.00, 0.90, 0.95, 0.97, 0.99};

    /** Offers epochs until the stopping says done; the epochs offered. */
    private static int run(EarlyStopping stopping) {
        int e = 0;
        while (!stopping.done()) {
            stopping.offer(WAF[e], LOSS[e]);
            e++;
        }
        return e;
    }

    @Test
    void onWafKeepsTheHighestWafAndStopsAfterPatienceEpochsWithoutABetterOne() {
        EarlyStopping stopping = new EarlyStopping(TrainSpec.STOP_ON_WAF, 3, 60);
        assertEquals(5, run(stopping));
        assertEquals(1, stopping.bestEpoch());
        assertEquals(5, stopping.epochs());
    }

    @Test
    void onLossKeepsTheLowestLossWhateverTheWaf() {
        EarlyStopping stopping = new EarlyStopping(TrainSpec.STOP_ON_LOSS, 3, 60);
        assertEquals(7, run(stopping));
        assertEquals(3, stopping.bestEpoch());
    }

    @Test
    void aTieIsNotBetterAndMaxEpochsBounds() {
        EarlyStopping ties = new EarlyStopping(TrainSpec.STOP_ON_WAF, 2, 60);
        assertTrue(ties.offer(0.5, 1));
        assertFalse(ties.offer(0.5, 0.1));
        assertEquals(1, ties.epochsLeft());
        assertFalse(ties.offer(0.5, 0.1));
        assertTrue(ties.done());
        assertEquals(0, ties.bestEpoch());

        EarlyStopping capped = new EarlyStopping(TrainSpec.STOP_ON_LOSS, 10, 2);
        assertEquals(2, capped.epochsLeft());
        capped.offer(0, 3);
        capped.offer(0, 2);
        assertTrue(capped.done());
        assertEquals(1, capped.bestEpoch());
        assertEquals(0, capped.epochsLeft());
    }

    @Test
    void theFirstEpochIsKeptEvenWhenItsScoreIsNotFinite() {
        EarlyStopping stopping = new EarlyStopping(TrainSpec.STOP_ON_LOSS, 2, 60);
        assertTrue(stopping.offer(Double.NaN, Double.NaN));
        assertEquals(0, stopping.bestEpoch());
        assertFalse(stopping.offer(0.9, Double.NaN));
    }

    @Test
    void crossEntropyIsTheMeanNegativeLogLikelihoodOfTheLabels() {
        SampleSource source = SampleSource.of(List.of(
                FusionSample.labelled("a", new float[][] {{0f}}, 0),
                FusionSample.labelled("b", new float[][] {{0f}}, 1),
                FusionSample.labelled("c", new float[][] {{0f}}, 0)));
        float[][] logits = {{0f, 0f}, {(float) Math.log(3), 0f}, {1000f, 0f}};
        // rows a, b: log 2 and log 4; row c (picked from the middle, order given by the index array): ~0
        assertEquals((Math.log(2) + Math.log(4)) / 2, FoldTrainer.crossEntropy(
                new float[][] {logits[0], logits[1]}, FoldTrainer.labels(source, new int[] {0, 1})), 1e-6);
        assertEquals(0, FoldTrainer.crossEntropy(new float[][] {logits[2]}, FoldTrainer.labels(source, new int[] {2})),
                1e-9);
    }

    /**
     * With one seed both criteria see the same epochs (the criterion only decides which one is kept and when the
     * fold ends), so whichever fold ran past the other's kept epoch kept one at least as good by its own score.
     */
    @Test
    void aFoldOnLossKeepsItsLowestLossEpochOfTheSameTrajectory() {
        SyntheticFusionData data = new SyntheticFusionData(SyntheticFusionData.SMALL_DIMS, 0.35, 1.0, 11);
        SampleSource source = SampleSource.of(data.samples(180, 0.0, 4));
        int[] train = IntStream.range(0, 120).toArray();
        int[] validation = IntStream.range(120, 180).toArray();
        TrainSpec.Builder spec = SyntheticFusionData.quickSpec().seed(3).maxEpochs(30).patience(30);
        FoldResult onWaf = new FoldTrainer(spec.stopOn(TrainSpec.STOP_ON_WAF).build(), Device.cpu())
                .train(0, source, train, validation);
        FoldResult onLoss = new FoldTrainer(spec.stopOn(TrainSpec.STOP_ON_LOSS).build(), Device.cpu())
                .train(0, source, train, validation);
        // patience = max-epochs: both run all 30 epochs of the same trajectory
        assertEquals(30, onWaf.metrics().epochsRun());
        assertEquals(30, onLoss.metrics().epochsRun());
        int[] labels = FoldTrainer.labels(source, validation);
        double lossOfLossEpoch = FoldTrainer.crossEntropy(onLoss.validationLogits(), labels);
        double lossOfWafEpoch = FoldTrainer.crossEntropy(onWaf.validationLogits(), labels);
        assertTrue(lossOfLossEpoch <= lossOfWafEpoch, lossOfLossEpoch + " vs " + lossOfWafEpoch);
        assertTrue(onWaf.metrics().waf() >= onLoss.metrics().waf());
        // on this noisy data the two criteria keep different epochs (else the test would not tell them apart)
        assertTrue(onWaf.metrics().bestEpoch() != onLoss.metrics().bestEpoch(),
                "both kept epoch " + onWaf.metrics().bestEpoch());
    }
}
