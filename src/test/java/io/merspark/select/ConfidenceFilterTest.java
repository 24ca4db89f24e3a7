package io.merspark.select;

import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(SparkTestSession.class)
class ConfidenceFilterTest {

    static List<Row> sorted(Dataset<Row> df) {
        return df.orderBy("sample_id").collectAsList();
    }

    @Test
    void keepsRowsAtOrAboveTheThresholdAndLabelsThem(SparkSession spark) {
        Dataset<Row> scores = new Scores()
                .add("s1", 2, 0.75f)        // exactly the threshold: accepted
                .add("s2", 0, 0.5f)
                .add("s3", 5, 1.0f)
                .add("s4", 1, Math.nextDown(0.75f))   // one float below the threshold
                .toDF(spark);
        ConfidenceFilter filter = new ConfidenceFilter().setClasses(Scores.CLASSES).setThreshold(0.75).setRound(3);

        List<Row> out = sorted(filter.transform(scores));

        assertEquals(2, out.size());
        assertEquals(List.of("s1", "happy", 1.0, "fixed", 3), fields(out.get(0)));
        assertEquals(List.of("s3", "surprise", 1.0, "fixed", 3), fields(out.get(1)));
        // the scores columns are kept
        assertEquals(0.75f, out.get(0).<Float>getAs("confidence"));
    }

    @Test
    void defaultThresholdAcceptsAFloatConfidenceOfExactly095(SparkSession spark) {
        Dataset<Row> scores = new Scores().add("a", 3, 0.95f).add("b", 3, 0.94f).toDF(spark);
        ConfidenceFilter filter = new ConfidenceFilter().setClasses(Scores.CLASSES);

        assertEquals(0.95, filter.getThreshold());
        assertEquals(List.of("a"), sorted(filter.transform(scores)).stream().map(r -> r.getString(0)).toList());
    }

    @Test
    void schemaValidationNamesTheColumn(SparkSession spark) {
        Dataset<Row> scores = new Scores().add("a", 3, 0.95f).toDF(spark);
        ConfidenceFilter filter = new ConfidenceFilter().setClasses(Scores.CLASSES);

        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> filter.transform(scores.drop("confidence")));
        assertTrue(missing.getMessage().contains("'confidence'"), missing.getMessage());

        IllegalArgumentException wrongType = assertThrows(IllegalArgumentException.class,
                () -> filter.transform(scores.withColumn("pred", scores.col("pred").cast(DataTypes.StringType))));
        assertTrue(wrongType.getMessage().contains("'pred'"), wrongType.getMessage());

        IllegalArgumentException renamed = assertThrows(IllegalArgumentException.class,
                () -> filter.setConfidenceCol("conf").transformSchema(scores.schema()));
        assertTrue(renamed.getMessage().contains("'conf'"), renamed.getMessage());
    }

    @Test
    void classesAreRequired(SparkSession spark) {
        Dataset<Row> scores = new Scores().add("a", 3, 0.95f).toDF(spark);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ConfidenceFilter().transform(scores));
        assertTrue(e.getMessage().contains("classes"), e.getMessage());
    }

    @Test
    void thresholdOutsideTheUnitIntervalIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new ConfidenceFilter().setThreshold(1.5));
    }

    @Test
    void outOfRangePredictionFailsTheJob(SparkSession spark) {
        Dataset<Row> scores = new Scores().add("a", 7, 0.99f).toDF(spark);
        ConfidenceFilter filter = new ConfidenceFilter().setClasses(Scores.CLASSES);

        Exception e = assertThrows(Exception.class, () -> filter.transform(scores).collectAsList());
        assertTrue(e.getMessage().contains("outside [0, 6): 7"), e.getMessage());
    }

    @Test
    void savesAndLoadsWithItsParams(@TempDir Path dir) throws Exception {
        ConfidenceFilter filter = new ConfidenceFilter().setClasses(Scores.CLASSES).setThreshold(0.8)
                .setRound(4).setStrategyName("fixed-0.8").setConfidenceCol("conf");
        String path = dir.resolve("filter").toString();
        filter.save(path);

        ConfidenceFilter loaded = ConfidenceFilter.load(path);

        assertEquals(filter.uid(), loaded.uid());
        assertEquals(0.8, loaded.getThreshold());
        assertEquals(4, loaded.getRound());
        assertEquals("fixed-0.8", loaded.getStrategyName());
        assertEquals("conf", loaded.getConfidenceCol());
        assertEquals("pred", loaded.getPredictionCol());
        assertArrayEquals(Scores.CLASSES, loaded.getClasses());
    }

    @Test
    void copyKeepsParamsAndAppliesExtras() {
        ConfidenceFilter filter = new ConfidenceFilter().setClasses(Scores.CLASSES).setThreshold(0.8);
        ConfidenceFilter copy = filter.copy(new org.apache.spark.ml.param.ParamMap().put(filter.round(), 9));

        assertEquals(filter.uid(), copy.uid());
        assertEquals(0.8, copy.getThreshold());
        assertEquals(9, copy.getRound());
        assertEquals(0, filter.getRound());
    }

    /** sample id, label, weight, strategy, round. */
    static List<Object> fields(Row r) {
        return Arrays.asList(r.getAs("sample_id"), r.getAs("label"), r.getAs("weight"), r.getAs("strategy"),
                r.getAs("round"));
    }
}
