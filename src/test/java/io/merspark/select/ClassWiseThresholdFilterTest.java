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

import static io.merspark.select.ConfidenceFilterTest.fields;
import static io.merspark.select.ConfidenceFilterTest.sorted;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(SparkTestSession.class)
class ClassWiseThresholdFilterTest {

    // neutral, angry, happy, sad, worried, surprise
    static final double[] THRESHOLDS = {0.5, 0.9, 0.75, 0.5, 0.5, 0.99};

    @Test
    void eachPredictionMeetsItsOwnClassThreshold(SparkSession spark) {
        Dataset<Row> scores = new Scores()
                .add("a", 0, 0.5f)      // == neutral's 0.5
                .add("b", 1, 0.875f)    // below angry's 0.9
                .add("c", 2, 0.75f)     // == happy's 0.75
                .add("d", 5, 0.98f)     // below surprise's 0.99
                .add("e", 1, 0.9f)      // == angry's 0.9 in float
                .add("f", 3, 0.25f)
                .toDF(spark);
        ClassWiseThresholdFilter filter = new ClassWiseThresholdFilter()
                .setClasses(Scores.CLASSES).setThresholds(THRESHOLDS).setRound(1);

        List<Row> out = sorted(filter.transform(scores));

        assertEquals(List.of(
                List.of("a", "neutral", 1.0, "classwise", 1),
                List.of("c", "happy", 1.0, "classwise", 1),
                List.of("e", "angry", 1.0, "classwise", 1)),
                out.stream().map(ConfidenceFilterTest::fields).toList());
    }

    @Test
    void thresholdsMustAlignWithClasses(SparkSession spark) {
        Dataset<Row> scores = new Scores().add("a", 0, 0.5f).toDF(spark);
        ClassWiseThresholdFilter filter = new ClassWiseThresholdFilter()
                .setClasses(Scores.CLASSES).setThresholds(0.5, 0.5);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> filter.transform(scores));
        assertTrue(e.getMessage().contains("2 thresholds for 6 classes"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> filter.setThresholds(0.5, 1.2));
    }

    @Test
    void missingPredictionColumnIsNamed(SparkSession spark) {
        Dataset<Row> scores = new Scores().add("a", 0, 0.5f).toDF(spark).drop("pred");
        ClassWiseThresholdFilter filter = new ClassWiseThresholdFilter()
                .setClasses(Scores.CLASSES).setThresholds(THRESHOLDS);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> filter.transform(scores));
        assertTrue(e.getMessage().contains("missing input column 'pred'"), e.getMessage());
    }

    @Test
    void savesAndLoadsWithItsThresholds(@TempDir Path dir, SparkSession spark) throws Exception {
        ClassWiseThresholdFilter filter = new ClassWiseThresholdFilter()
                .setClasses(Scores.CLASSES).setThresholds(THRESHOLDS).setRound(2);
        String path = dir.resolve("classwise").toString();
        filter.save(path);

        ClassWiseThresholdFilter loaded = ClassWiseThresholdFilter.load(path);

        assertArrayEquals(THRESHOLDS, loaded.getThresholds());
        assertArrayEquals(Scores.CLASSES, loaded.getClasses());
        assertEquals(2, loaded.getRound());
        assertEquals("classwise", loaded.getStrategyName());
        Dataset<Row> scores = new Scores().add("a", 0, 0.5f).add("b", 1, 0.875f).toDF(spark);
        assertEquals(List.of(List.of("a", "neutral", 1.0, "classwise", 2)),
                sorted(loaded.transform(scores)).stream().map(ConfidenceFilterTest::fields).toList());
    }
}
