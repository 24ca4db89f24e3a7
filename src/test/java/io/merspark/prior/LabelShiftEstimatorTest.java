package io.merspark.prior;

import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Small exact cases of the estimators; the 10^5-row recovery checks are in {@link LabelShiftRecoveryTest}. */
@ExtendWith(SparkTestSession.class)
class LabelShiftEstimatorTest {

    static Dataset<Row> probs(SparkSession spark, List<List<Float>> vectors) {
        return spark.createDataFrame(vectors.stream().map(v -> RowFactory.create((Object) v.toArray())).toList(),
                new StructType().add("probs", DataTypes.createArrayType(DataTypes.FloatType, false)));
    }

    /** {@code n} irregular three-class posteriors. */
    static List<List<Float>> irregular(int n, long seed) {
        java.util.Random random = new java.util.Random(seed);
        List<List<Float>> vectors = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            float a = random.nextFloat();
            float b = random.nextFloat() * (1 - a);
            vectors.add(List.of(a, b, 1 - a - b));
        }
        return vectors;
    }

    @Test
    void emOnCertainPosteriorsIsTheFractionPredicted(SparkSession spark) {
        // certain posteriors do not move under reweighting: the first pass gives 3/4, 1/4, the second no change
        Dataset<Row> scores = probs(spark, List.of(
                List.of(1f, 0f), List.of(1f, 0f), List.of(1f, 0f), List.of(0f, 1f)));

        LabelShiftEstimator.Estimate estimate = LabelShiftEstimator.emEstimate(scores, "probs",
                new double[] {0.5, 0.5}, 1e-9, 50);

        assertArrayEquals(new double[] {0.75, 0.25}, estimate.prior(), 0.0);
        assertEquals(2, estimate.iterations());
        assertEquals(0.0, estimate.lastChange(), 0.0);
    }

    @Test
    void emOnePassIsTheMeanReweightedPosterior(SparkSession spark) {
        // train (0.5, 0.5) -> start ratio 1: one pass is the plain mean of (0.5, 0.5) and (0.75, 0.25)
        Dataset<Row> scores = probs(spark, List.of(List.of(0.5f, 0.5f), List.of(0.75f, 0.25f)));

        assertArrayEquals(new double[] {0.625, 0.375},
                LabelShiftEstimator.em(scores, "probs", new double[] {1, 1}, 0, 1), 1e-15);
    }

    @Test
    void emGivesTheSameBitsOnAnyPartitioning(SparkSession spark) {
        // 2 000 irregular posteriors: a double sum's last bits would follow how the rows are partitioned
        Dataset<Row> scores = probs(spark, irregular(2000, 7));
        double[] train = {0.5, 0.3, 0.2};
        // driverRows 0: every pass is a Spark aggregation over the partitions
        double[] one = LabelShiftEstimator.emEstimate(scores.coalesce(1), "probs", train, 1e-12, 30, 0).prior();
        double[] seven = LabelShiftEstimator.emEstimate(scores.repartition(7), "probs", train, 1e-12, 30, 0).prior();
        double[] reversed = LabelShiftEstimator.emEstimate(scores.repartition(3).sortWithinPartitions(
                org.apache.spark.sql.functions.rand(3)), "probs", train, 1e-12, 30, 0).prior();
        for (int c = 0; c < 3; c++) {
            assertEquals(Double.doubleToLongBits(one[c]), Double.doubleToLongBits(seven[c]), "class " + c);
            assertEquals(Double.doubleToLongBits(one[c]), Double.doubleToLongBits(reversed[c]), "class " + c);
        }
        assertEquals(1.0, one[0] + one[1] + one[2], 1e-12);
    }

    @Test
    void emOnTheDriversCopyOfSmallInputsGivesTheExecutorsBitsAndPasses(SparkSession spark) {
        Dataset<Row> scores = probs(spark, irregular(500, 11)).repartition(4);
        double[] train = {0.2, 0.3, 0.5};
        LabelShiftEstimator.Estimate executors = LabelShiftEstimator.emEstimate(scores, "probs", train, 1e-10, 200, 0);
        LabelShiftEstimator.Estimate driver = LabelShiftEstimator.emEstimate(scores, "probs", train, 1e-10, 200, 500);
        LabelShiftEstimator.Estimate overLimit = LabelShiftEstimator.emEstimate(scores, "probs", train, 1e-10, 200, 499);
        assertTrue(executors.iterations() > 2, "several passes: " + executors.iterations());
        for (LabelShiftEstimator.Estimate other : List.of(driver, overLimit)) {
            assertEquals(executors.iterations(), other.iterations());
            assertEquals(Double.doubleToLongBits(executors.lastChange()), Double.doubleToLongBits(other.lastChange()));
            for (int c = 0; c < 3; c++) {
                assertEquals(Double.doubleToLongBits(executors.prior()[c]), Double.doubleToLongBits(other.prior()[c]),
                        "class " + c);
            }
        }
    }

    @Test
    void emNamesAMissingColumnAndAVectorOfTheWrongLength(SparkSession spark) {
        Dataset<Row> scores = probs(spark, List.of(List.of(0.5f, 0.5f), List.of(0.2f, 0.3f, 0.5f)));

        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> LabelShiftEstimator.em(scores, "scores", new double[] {0.5, 0.5}, 1e-6, 10));
        assertTrue(missing.getMessage().contains("missing input column 'scores'"), missing.getMessage());
        Exception length = assertThrows(Exception.class,
                () -> LabelShiftEstimator.em(scores, "probs", new double[] {0.5, 0.5}, 1e-6, 10));
        assertTrue(length.getMessage().contains("column 'probs' holds a probability vector that is null or not of length 2"),
                length.getMessage());
    }

    @Test
    void bbseSolvesATwoClassShiftExactly() {
        // validation: truth neutral 100 (80 right), angry 100 (90 right); under the target prior (0.2, 0.8) the
        // same classifier predicts neutral for 0.2 * 0.8 + 0.8 * 0.1 = 0.24 of the rows
        long[][] confusion = {{80, 20}, {10, 90}};

        assertArrayEquals(new double[] {0.2, 0.8},
                LabelShiftEstimator.bbse(confusion, new double[] {0.24, 0.76}), 1e-12);
    }

    @Test
    void bbseFallsBackToLeastSquaresWhenAClassIsNeverPredicted() {
        // surprise is never predicted: it is confused with angry, so C is singular. Least squares gives
        // neutral 0.5 exactly and splits the rest as the squares of the angry-prediction column: 25 : 9.
        long[][] confusion = {{50, 0, 0}, {0, 50, 0}, {0, 30, 0}};

        double[] prior = LabelShiftEstimator.bbse(confusion, new double[] {0.5, 0.5, 0});

        assertArrayEquals(new double[] {0.5, 0.5 * 25 / 34, 0.5 * 9 / 34}, prior, 1e-6);
    }

    @Test
    void bbseClipsNegativeWeights() {
        // more neutral predictions than neutral rows could produce: angry's weight comes out negative
        long[][] confusion = {{80, 20}, {10, 90}};

        assertArrayEquals(new double[] {1.0, 0.0},
                LabelShiftEstimator.bbse(confusion, new double[] {0.9, 0.1}), 0.0);
    }

    @Test
    void bbseRejectsAMismatchedDistribution() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LabelShiftEstimator.bbse(new long[][] {{1, 0}, {0, 1}}, new double[] {1, 0, 0}));
        assertTrue(e.getMessage().contains("confusion has 2 classes, predicted distribution 3"), e.getMessage());
    }

    @Test
    void predictedDistributionCountsAndNamesABadIndex(SparkSession spark) {
        Dataset<Row> preds = spark.range(10).selectExpr("CAST(id % 4 AS INT) AS pred");

        assertArrayEquals(new double[] {0.3, 0.3, 0.2, 0.2},
                LabelShiftEstimator.predictedDistribution(preds, "pred", 4), 1e-15);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LabelShiftEstimator.predictedDistribution(preds, "pred", 3));
        assertTrue(e.getMessage().contains("column 'pred' holds a class index outside [0, 3): 3"), e.getMessage());
    }
}
