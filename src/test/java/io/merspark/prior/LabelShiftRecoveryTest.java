package io.merspark.prior;

import io.merspark.evaluate.ConfusionCounter;
import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Arrays;

import static io.merspark.prior.ShiftedScores.CLASSES;
import static io.merspark.prior.ShiftedScores.MILD_PRIOR;
import static io.merspark.prior.ShiftedScores.SHIFTED_PRIOR;
import static io.merspark.prior.ShiftedScores.TRAIN_PRIOR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Prior estimation and correction on 10^5-row synthetic scores tables with a known label shift. Tagged slow:
 * about 30 Spark passes for EM plus three generated tables (over a minute on a loaded 2-core machine).
 */
@Tag("slow")
@ExtendWith(SparkTestSession.class)
class LabelShiftRecoveryTest {

    static final long N = 100_000;

    /** Target data under the shifted prior, and labeled validation data under the training prior. */
    static Dataset<Row> shifted;
    static Dataset<Row> validation;

    @BeforeAll
    static void generate(SparkSession spark) {
        shifted = ShiftedScores.generate(spark, N, SHIFTED_PRIOR, 11).cache();
        validation = ShiftedScores.generate(spark, N, TRAIN_PRIOR, 23).cache();
    }

    @AfterAll
    static void release() {
        shifted.unpersist();
        validation.unpersist();
    }

    @Test
    void syntheticDataFollowsItsPriors() {
        double[] empirical = Priors.fromLabels(shifted, "label", CLASSES);
        assertTrue(Priors.l1(empirical, SHIFTED_PRIOR) < 0.01, Arrays.toString(empirical));
        assertEquals(N, shifted.count());
    }

    @Test
    void emRecoversTheShiftedPrior() {
        LabelShiftEstimator.Estimate estimate =
                LabelShiftEstimator.emEstimate(shifted, "probs", TRAIN_PRIOR, 1e-6, 500);

        double error = Priors.l1(estimate.prior(), SHIFTED_PRIOR);
        System.out.printf("EM: %s after %d passes, L1 error %.4f (training prior is %.4f away)%n",
                Arrays.toString(estimate.prior()), estimate.iterations(), error, Priors.l1(TRAIN_PRIOR, SHIFTED_PRIOR));
        assertTrue(error < 0.02, "EM L1 error " + error);
        assertTrue(estimate.lastChange() < 1e-6, "EM did not converge: " + estimate.lastChange());
        assertEquals(1.0, Arrays.stream(estimate.prior()).sum(), 1e-12);
    }

    @Test
    void bbseRecoversTheShiftedPriorFromAValidationConfusion() {
        long[][] confusion = ConfusionCounter.confusion(validation, "label", "pred", CLASSES);
        double[] mu = LabelShiftEstimator.predictedDistribution(shifted, "pred", CLASSES.size());

        double[] prior = LabelShiftEstimator.bbse(confusion, mu);

        double error = Priors.l1(prior, SHIFTED_PRIOR);
        System.out.printf("BBSE: %s, L1 error %.4f%n", Arrays.toString(prior), error);
        assertTrue(error < 0.02, "BBSE L1 error " + error);
    }

    @Test
    void correctionWithTheTruePriorNeverLowersWaf(SparkSession spark) {
        // no shift (the validation data), a mild and a clear shift
        double gainWithoutShift = wafGain(validation, TRAIN_PRIOR);
        double gainMild = wafGain(ShiftedScores.generate(spark, N, MILD_PRIOR, 37), MILD_PRIOR);
        double gainShifted = wafGain(shifted, SHIFTED_PRIOR);

        assertEquals(0.0, gainWithoutShift, 0.0, "no shift: the correction is the identity");
        assertTrue(gainMild >= 0, "mild shift: WAF gain " + gainMild);
        assertTrue(gainShifted > 0.05, "clear shift: WAF gain " + gainShifted);
    }

    /** WAF of the corrected minus WAF of the uncorrected predictions. */
    private static double wafGain(Dataset<Row> data, double[] truePrior) {
        Dataset<Row> corrected = new PriorCorrection()
                .setTrainPrior(TRAIN_PRIOR).setTargetPrior(truePrior)
                .transform(data)
                .select("label", "pred", "corrected_pred")
                .cache();
        try {
            double before = ConfusionCounter.metrics(corrected, "label", "pred", CLASSES).waf();
            double after = ConfusionCounter.metrics(corrected, "label", "corrected_pred", CLASSES).waf();
            System.out.printf("WAF under %s: %.4f before, %.4f after correction%n",
                    Arrays.toString(truePrior), before, after);
            return after - before;
        } finally {
            corrected.unpersist();
        }
    }
}
