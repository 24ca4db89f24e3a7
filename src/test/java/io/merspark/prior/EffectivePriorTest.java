package io.merspark.prior;

import io.merspark.pipeline.PriorEvaluation;
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
import java.util.Map;

import static io.merspark.prior.PriorCorrectionTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** π_train as the effective training distribution, and estimates judged by their L1 error against the true prior. */
@ExtendWith(SparkTestSession.class)
class EffectivePriorTest {

    private static final List<String> CLASSES = PriorsTest.CLASSES;

    private static Dataset<Row> rows(SparkSession spark, Object... labelWeight) {
        StructType schema = new StructType().add("label", DataTypes.StringType).add("weight", DataTypes.DoubleType);
        List<Row> out = new java.util.ArrayList<>();
        for (int i = 0; i < labelWeight.length; i += 2) {
            out.add(RowFactory.create(labelWeight[i], ((Number) labelWeight[i + 1]).doubleValue()));
        }
        return spark.createDataFrame(out, schema);
    }

    @Test
    void goldRowsAndWeightedPseudoLabelsMakeTheTrainingPrior(SparkSession spark) {
        // 2 gold neutral, 1 gold angry; pseudo-labels: happy at 0.5 and 0.5, angry at 1.0 → weights 2 : 2 : 1 of 5
        Dataset<Row> df = rows(spark, "neutral", 1, "neutral", 1, "angry", 1, "happy", 0.5, "happy", 0.5, "angry", 1.0);
        assertArrayEquals(new double[] {0.4, 0.4, 0.2}, Priors.fromWeightedLabels(df, "label", "weight", CLASSES), 1e-15);
        // gold only (weights 1) is the plain label prior
        Dataset<Row> gold = rows(spark, "neutral", 1, "neutral", 1, "angry", 1, "happy", 1);
        assertArrayEquals(Priors.fromLabels(gold, "label", CLASSES),
                Priors.fromWeightedLabels(gold, "label", "weight", CLASSES), 1e-15);
    }

    @Test
    void anUnknownClassOrNoWeightIsRefused(SparkSession spark) {
        assertMessage("unknown class bored",
                () -> Priors.fromWeightedLabels(rows(spark, "bored", 1), "label", "weight", CLASSES));
        assertMessage("sum to zero",
                () -> Priors.fromWeightedLabels(rows(spark, "happy", 0), "label", "weight", CLASSES));
    }

    @Test
    void priorJsonReportsTheTruePriorAndTheL1ErrorOfEachEstimate() {
        double[] truth = {0.5, 0.3, 0.2};
        PriorEvaluation.Result r = new PriorEvaluation.Result(new double[] {0.4, 0.4, 0.2}, truth,
                new double[] {0.6, 0.3, 0.1}, new double[] {0.5, 0.25, 0.25}, truth, "gold + weighted pseudo-labels",
                null, null);
        Map<String, Object> json = r.priorJson(CLASSES);
        assertEquals(0.2, (double) json.get("l1_em"), 1e-15);
        assertEquals(0.1, (double) json.get("l1_bbse"), 1e-15);
        assertEquals(Map.of("neutral", 0.5, "angry", 0.3, "happy", 0.2), json.get("true"));
        assertEquals("gold + weighted pseudo-labels", json.get("train_source"));
        PriorEvaluation.Result noBbse = new PriorEvaluation.Result(truth, truth, truth, null, truth, "gold train split",
                null, null);
        assertNull(noBbse.priorJson(CLASSES).get("l1_bbse"));
        assertEquals(0.0, (double) noBbse.priorJson(CLASSES).get("l1_em"), 0);
    }
}
