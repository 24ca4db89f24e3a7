package io.merspark.select;

import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static io.merspark.select.ConfidenceFilterTest.sorted;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(SparkTestSession.class)
class SoftMatchWeightingTest {

    /** confidences 0.25, 0.5, 0.75, 1.0: mu = 0.625, population sigma^2 = 0.078125, 2 sigma^2 = 0.15625. */
    static Dataset<Row> quarterSteps(SparkSession spark) {
        return new Scores().add("a", 0, 0.25f).add("b", 1, 0.5f).add("c", 2, 0.75f).add("d", 3, 1.0f).toDF(spark);
    }

    static double[] weights(Dataset<Row> df) {
        return sorted(df).stream().mapToDouble(r -> r.<Double>getAs("weight")).toArray();
    }

    @Test
    void weightsBelowTheMeanByTheGaussianOfTheInputStatistics(SparkSession spark) {
        double[] w = weights(new SoftMatchWeighting().transform(quarterSteps(spark)));

        assertEquals(4, w.length);
        assertEquals(Math.exp(-0.140625 / 0.15625), w[0], 1e-9);   // (0.25 - 0.625)^2 = 0.140625
        assertEquals(Math.exp(-0.015625 / 0.15625), w[1], 1e-9);   // (0.5 - 0.625)^2 = 0.015625
        assertEquals(1.0, w[2], 1e-9);
        assertEquals(1.0, w[3], 1e-9);
    }

    @Test
    void usesGivenStatisticsAndReplacesAnExistingWeight(SparkSession spark) {
        Dataset<Row> withWeight = quarterSteps(spark).withColumn("weight", lit(7.0));
        SoftMatchWeighting weighting = new SoftMatchWeighting().setMean(0.8).setVariance(0.02);

        Dataset<Row> out = weighting.transform(withWeight);

        assertEquals(List.of("sample_id", "probs", "member_probs", "pred", "confidence", "margin", "entropy", "weight"),
                List.of(out.columns()));
        double[] w = weights(out);
        assertEquals(Math.exp(-0.3025 / 0.04), w[0], 1e-9);   // (0.25 - 0.8)^2
        assertEquals(Math.exp(-0.09 / 0.04), w[1], 1e-9);
        assertEquals(Math.exp(-0.0025 / 0.04), w[2], 1e-9);
        assertEquals(1.0, w[3], 1e-9);
    }

    @Test
    void equalConfidencesAllWeighOne(SparkSession spark) {
        Dataset<Row> same = new Scores().add("a", 0, 0.7f).add("b", 1, 0.7f).add("c", 2, 0.7f).toDF(spark);
        double[] w = weights(new SoftMatchWeighting().transform(same));
        assertEquals(List.of(1.0, 1.0, 1.0), java.util.Arrays.stream(w).boxed().toList());
    }

    @Test
    void meanAndVarianceGoTogether(SparkSession spark) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SoftMatchWeighting().setMean(0.5).transform(quarterSteps(spark)));
        assertTrue(e.getMessage().contains("'variance'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SoftMatchWeighting().setVariance(0.0));
    }

    @Test
    void missingConfidenceColumnIsNamed(SparkSession spark) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SoftMatchWeighting().transform(quarterSteps(spark).drop("confidence")));
        assertTrue(e.getMessage().contains("'confidence'"), e.getMessage());
    }

    @Test
    void savesAndLoads(@TempDir Path dir) throws Exception {
        String path = dir.resolve("softmatch").toString();
        new SoftMatchWeighting().setMean(0.8).setVariance(0.02).save(path);
        SoftMatchWeighting loaded = SoftMatchWeighting.load(path);
        assertEquals(0.8, loaded.getMean());
        assertEquals(0.02, loaded.getVariance());

        String unset = dir.resolve("softmatch-computed").toString();
        new SoftMatchWeighting().save(unset);
        assertFalse(SoftMatchWeighting.load(unset).isSet(SoftMatchWeighting.load(unset).mean()));
    }
}
