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
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(SparkTestSession.class)
class FlexMatchThresholdFilterTest {

    /**
     * With tau = 0.8: sigma = [4, 2, 1, 0, 0, 0] (n5 and s2 at exactly 0.8 are not above tau), 14 rows, 7 of
     * them unconfident.
     */
    static Dataset<Row> pool(SparkSession spark) {
        return new Scores()
                .add("n1", 0, 0.9f).add("n2", 0, 0.9f).add("n3", 0, 0.9f).add("n4", 0, 0.9f)
                .add("n5", 0, 0.8f)        // == tau: accepted, but not counted in sigma
                .add("n6", 0, 0.75f)
                .add("a1", 1, 0.85f).add("a2", 1, 0.85f)
                .add("a3", 1, 0.3f)        // above angry's 0.8 / 3
                .add("h1", 2, 0.81f)
                .add("h2", 2, 0.1f)        // below happy's 0.8 / 7
                .add("h3", 2, 0.125f)
                .add("s1", 3, 0.05f)       // sad has no confident row: keeps tau
                .add("s2", 3, 0.8f)        // == tau: sad's only accepted row
                .toDF(spark);
    }

    static FlexMatchThresholdFilter filter() {
        return new FlexMatchThresholdFilter().setClasses(Scores.CLASSES).setThreshold(0.8).setRound(2);
    }

    @Test
    void convexMappingOfTheLearningEffect(SparkSession spark) {
        double[] t = filter().classThresholds(pool(spark));

        // beta = [1, 1/2, 1/4]; M(x) = x / (2 - x) = [1, 1/3, 1/7]; sad, worried, surprise unlearned: tau
        assertArrayEquals(new double[] {0.8, 0.8 / 3, 0.8 / 7, 0.8, 0.8, 0.8}, t, 1e-9);
    }

    @Test
    void keepsRowsAtOrAboveTheirClassThreshold(SparkSession spark) {
        List<Row> out = sorted(filter().transform(pool(spark)));

        assertEquals(List.of(
                        List.of("a1", "angry", 1.0, "flexmatch", 2),
                        List.of("a2", "angry", 1.0, "flexmatch", 2),
                        List.of("a3", "angry", 1.0, "flexmatch", 2),
                        List.of("h1", "happy", 1.0, "flexmatch", 2),
                        List.of("h3", "happy", 1.0, "flexmatch", 2),
                        List.of("n1", "neutral", 1.0, "flexmatch", 2),
                        List.of("n2", "neutral", 1.0, "flexmatch", 2),
                        List.of("n3", "neutral", 1.0, "flexmatch", 2),
                        List.of("n4", "neutral", 1.0, "flexmatch", 2),
                        List.of("n5", "neutral", 1.0, "flexmatch", 2),
                        List.of("s2", "sad", 1.0, "flexmatch", 2)),
                out.stream().map(ConfidenceFilterTest::fields).toList());
    }

    @Test
    void warmupNormalisesByTheUnconfidentRowsWhenMoreNumerous(SparkSession spark) {
        double[] t = filter().setWarmup(true).classThresholds(pool(spark));

        // max(max sigma = 4, 14 - 7 = 7) = 7: beta = [4/7, 2/7, 1/7], M = [2/5, 1/6, 1/13]; the rest keep tau
        assertArrayEquals(new double[] {0.32, 0.8 / 6, 0.8 / 13, 0.8, 0.8, 0.8}, t, 1e-9);
    }

    @Test
    void linearMapping(SparkSession spark) {
        double[] t = filter().setMapping("linear").classThresholds(pool(spark));

        assertArrayEquals(new double[] {0.8, 0.4, 0.2, 0.8, 0.8, 0.8}, t, 1e-9);
        assertThrows(IllegalArgumentException.class, () -> filter().setMapping("concave"));
    }

    @Test
    void withoutAnyConfidentRowEveryClassKeepsTau(SparkSession spark) {
        Dataset<Row> unsure = new Scores().add("a", 0, 0.5f).add("b", 4, 0.79f).toDF(spark);

        assertArrayEquals(new double[] {0.8, 0.8, 0.8, 0.8, 0.8, 0.8}, filter().classThresholds(unsure), 1e-9);
        assertEquals(0, filter().transform(unsure).count());
        // warm-up divides by the 2 unconfident rows, but no class has a confident row to scale
        assertArrayEquals(new double[] {0.8, 0.8, 0.8, 0.8, 0.8, 0.8},
                filter().setWarmup(true).classThresholds(unsure), 1e-9);
        assertEquals(0, filter().setWarmup(true).transform(unsure).count());
    }

    @Test
    void anUnlearnedClassAcceptsOnlyAtTau(SparkSession spark) {
        // worried has one confident row, sad none: the 0.2 sad guess stays out, worried's 0.2 gets in
        Dataset<Row> scores = new Scores().add("w1", 4, 0.9f).add("w2", 4, 0.2f).add("s1", 3, 0.2f)
                .add("s2", 3, 0.79f).toDF(spark);

        assertArrayEquals(new double[] {0.8, 0.8, 0.8, 0.8, 0.8, 0.8}, filter().classThresholds(scores), 1e-9);
        assertEquals(List.of("w1"), sorted(filter().transform(scores)).stream()
                .map(r -> r.<String>getAs("sample_id")).toList());
        // with warm-up: normaliser max(1, 4 - 1) = 3, worried's beta 1/3 -> M = 1/5: w2 (0.2 >= 0.16) accepted
        assertArrayEquals(new double[] {0.8, 0.8, 0.8, 0.8, 0.16, 0.8},
                filter().setWarmup(true).classThresholds(scores), 1e-9);
        assertEquals(List.of("w1", "w2"), sorted(filter().setWarmup(true).transform(scores)).stream()
                .map(r -> r.<String>getAs("sample_id")).toList());
    }

    @Test
    void schemaValidationNamesTheColumn(SparkSession spark) {
        Dataset<Row> scores = pool(spark);

        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> filter().transform(scores.drop("confidence")));
        assertTrue(missing.getMessage().contains("'confidence'"), missing.getMessage());
        IllegalArgumentException renamed = assertThrows(IllegalArgumentException.class,
                () -> filter().setPredictionCol("predicted").classThresholds(scores));
        assertTrue(renamed.getMessage().contains("'predicted'"), renamed.getMessage());
    }

    @Test
    void savesAndLoadsWithItsParams(@TempDir Path dir) throws Exception {
        String path = dir.resolve("flexmatch").toString();
        filter().setWarmup(true).setMapping("linear").save(path);

        FlexMatchThresholdFilter loaded = FlexMatchThresholdFilter.load(path);

        assertEquals(0.8, loaded.getThreshold());
        assertTrue(loaded.getWarmup());
        assertEquals("linear", loaded.getMapping());
        assertEquals(2, loaded.getRound());
        assertArrayEquals(Scores.CLASSES, loaded.getClasses());
    }
}
