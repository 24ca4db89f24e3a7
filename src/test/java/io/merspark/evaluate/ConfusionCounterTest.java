package io.merspark.evaluate;

import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(SparkTestSession.class)
class ConfusionCounterTest {

    static final List<String> CLASSES = List.of("neutral", "angry", "happy");

    /**
     * truth -> pred: neutral->neutral x3, neutral->angry, angry->angry, angry->happy, happy->neutral x2.
     * Confusion [[3,1,0],[0,1,1],[2,0,0]]: accuracy 4/8 = 0.5; F1 neutral 2/3, angry 1/2, happy 0;
     * WAF = (4 * 2/3 + 2 * 1/2 + 2 * 0) / 8 = 11/24.
     */
    static final long[][] EXPECTED = {{3, 1, 0}, {0, 1, 1}, {2, 0, 0}};
    static final int[][] PAIRS = {{0, 0}, {0, 0}, {0, 0}, {0, 1}, {1, 1}, {1, 2}, {2, 0}, {2, 0}};

    static Dataset<Row> byName(SparkSession spark) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < PAIRS.length; i++) {
            rows.add(RowFactory.create("t" + i, CLASSES.get(PAIRS[i][0]), CLASSES.get(PAIRS[i][1])));
        }
        return spark.createDataFrame(rows, new StructType()
                .add("sample_id", DataTypes.StringType)
                .add("label", DataTypes.StringType)
                .add("pred_label", DataTypes.StringType));
    }

    static Dataset<Row> nameAndIndex(SparkSession spark) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < PAIRS.length; i++) {
            rows.add(RowFactory.create("t" + i, CLASSES.get(PAIRS[i][0]), PAIRS[i][1]));
        }
        return spark.createDataFrame(rows, new StructType()
                .add("sample_id", DataTypes.StringType)
                .add("label", DataTypes.StringType)
                .add("pred", DataTypes.IntegerType));
    }

    @Test
    void countsNamedLabelsAndPredictions(SparkSession spark) {
        assertArrayEquals(EXPECTED, ConfusionCounter.confusion(byName(spark), "label", "pred_label", CLASSES));
    }

    @Test
    void countsIndexPredictionsAgainstNamedLabels(SparkSession spark) {
        assertArrayEquals(EXPECTED, ConfusionCounter.confusion(nameAndIndex(spark), "label", "pred", CLASSES));
    }

    @Test
    void metricsDifferBetweenWafAndAccuracy(SparkSession spark) {
        ClassificationMetrics m = ConfusionCounter.metrics(nameAndIndex(spark), "label", "pred", CLASSES);
        assertEquals(0.5, m.accuracy(), 1e-12);
        assertEquals(11.0 / 24.0, m.waf(), 1e-12);
        assertArrayEquals(new double[] {2.0 / 3.0, 0.5, 0.0}, m.perClassF1(), 1e-12);
    }

    @Test
    void unknownLabelIsNamed(SparkSession spark) {
        Dataset<Row> df = byName(spark).union(spark.createDataFrame(
                List.of(RowFactory.create("x", "bored", "happy")), byName(spark).schema()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfusionCounter.confusion(df, "label", "pred_label", CLASSES));
        assertTrue(e.getMessage().contains("'label' holds unknown class bored"), e.getMessage());
    }

    @Test
    void outOfRangeIndexIsNamed(SparkSession spark) {
        Dataset<Row> df = nameAndIndex(spark).union(spark.createDataFrame(
                List.of(RowFactory.create("x", "happy", 3)), nameAndIndex(spark).schema()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfusionCounter.confusion(df, "label", "pred", CLASSES));
        assertTrue(e.getMessage().contains("'pred' holds unknown class 3"), e.getMessage());
    }

    @Test
    void unknownValuesAreFoundAmongManyDistinctPairs(SparkSession spark) {
        // more distinct (label, pred) pairs than k^2 = 9: the bounded collect must still report one
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            rows.add(RowFactory.create("u" + i, "unknown" + i, "happy"));
        }
        Dataset<Row> df = spark.createDataFrame(rows, byName(spark).schema());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfusionCounter.confusion(df, "label", "pred_label", CLASSES));
        assertTrue(e.getMessage().contains("holds unknown class unknown"), e.getMessage());
    }

    @Test
    void floatPredictionColumnIsRejected(SparkSession spark) {
        Dataset<Row> df = nameAndIndex(spark).withColumn("pred", org.apache.spark.sql.functions.lit(1.0f));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfusionCounter.confusion(df, "label", "pred", CLASSES));
        assertTrue(e.getMessage().contains("'pred'"), e.getMessage());
    }
}
