package io.merspark.select;

import io.merspark.testing.SparkTestSession;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static io.merspark.select.ConfidenceFilterTest.sorted;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(SparkTestSession.class)
class TopKPerClassFilterTest {

    /** 12 rows; floor 0.5 leaves out n6 and h1. */
    static Dataset<Row> pool(SparkSession spark) {
        return new Scores()
                .add("n1", 0, 0.9f).add("n2", 0, 0.8f).add("n3", 0, 0.8f).add("n4", 0, 0.7f)
                .add("n5", 0, 0.6f).add("n6", 0, 0.4f)
                .add("a1", 1, 0.55f).add("a2", 1, 0.95f)
                .add("h1", 2, 0.45f)
                .add("s1", 3, 0.99f)
                .add("w1", 4, 0.97f).add("w2", 4, 0.5f)
                .toDF(spark);
    }

    static TopKPerClassFilter filter() {
        return new TopKPerClassFilter().setClasses(Scores.CLASSES).setFloor(0.5).setBudget(0.5).setRound(3);
    }

    static List<String> ids(Dataset<Row> df) {
        return sorted(df).stream().map(r -> r.<String>getAs("sample_id")).toList();
    }

    @Test
    void takesTheMostConfidentRowsPerClassInPriorProportion(SparkSession spark) {
        TopKPerClassFilter top = filter().setPrior(4, 1, 1, 0, 0, 0);

        // budget 0.5 of 12 rows = 6, split 4 : 1 : 1 : 0 : 0 : 0
        assertArrayEquals(new long[] {4, 1, 1, 0, 0, 0}, top.quotas(12));
        List<Row> out = sorted(top.transform(pool(spark)));

        // neutral: the 4 best, n2 and n3 tied at 0.8; angry: a2; happy: h1 is below the floor; sad and worried:
        // no share of the prior, however confident
        assertEquals(List.of(
                        List.of("a2", "angry", 1.0, "topk", 3),
                        List.of("n1", "neutral", 1.0, "topk", 3),
                        List.of("n2", "neutral", 1.0, "topk", 3),
                        List.of("n3", "neutral", 1.0, "topk", 3),
                        List.of("n4", "neutral", 1.0, "topk", 3)),
                out.stream().map(ConfidenceFilterTest::fields).toList());
    }

    @Test
    void uniformPriorWhenUnsetAndTiesByAscendingId(SparkSession spark) {
        assertArrayEquals(new long[] {1, 1, 1, 1, 1, 1}, filter().quotas(12));
        assertEquals(List.of("a2", "n1", "s1", "w1"), ids(filter().transform(pool(spark))));
        // k = 2 per class: n2 beats n3 on the id
        assertEquals(List.of("a1", "a2", "n1", "n2", "s1", "w1", "w2"),
                ids(filter().setBudget(1.0).transform(pool(spark))));
    }

    @Test
    void withAGroupColumnEachClassQuotaGoesRoundRobinOverTheGroups(@TempDir Path dir, SparkSession spark)
            throws Exception {
        // neutral: n1 n2 n3 speak as A (0.9, 0.8, 0.8), n4 as B (0.7), n5 has no group (0.6), n6 is below the floor
        Dataset<Row> pool = pool(spark).withColumn("group", functions.when(functions.col("sample_id")
                        .isin("n1", "n2", "n3"), "A").when(functions.col("sample_id").equalTo("n4"), "B")
                .when(functions.col("sample_id").equalTo("n5"), functions.lit(null).cast("string")).otherwise("A"));
        TopKPerClassFilter plain = filter().setPrior(1, 0, 0, 0, 0, 0).setBudget(0.25);
        assertArrayEquals(new long[] {3, 0, 0, 0, 0, 0}, plain.quotas(12));
        assertEquals(List.of("n1", "n2", "n3"), ids(plain.transform(pool)));

        // first turn: each group's best (A's n1, B's n4, the null group's n5); A's second only in the next turn
        TopKPerClassFilter byGroup = filter().setPrior(1, 0, 0, 0, 0, 0).setBudget(0.25).setGroupCol("group");
        assertEquals(List.of("n1", "n4", "n5"), ids(byGroup.transform(pool)));
        assertEquals(List.of("n1", "n2", "n4", "n5"), ids(byGroup.setBudget(1 / 3.0).transform(pool)));

        SelectionSettings settings = SelectionSettings.topK(List.of(Scores.CLASSES),
                new SelectionSettings.TopK(0.5, 0.25, List.of(1.0, 0.0, 0.0, 0.0, 0.0, 0.0), "group")).forRound(1);
        String path = dir.resolve("selector").toString();
        PseudoLabelSelector.fit(settings, pool).save(path);
        assertEquals(List.of("n1", "n4", "n5"), ids(PipelineModel.load(path).transform(pool)));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> byGroup.transform(pool(spark)));
        assertTrue(missing.getMessage().contains("'group'"), missing.getMessage());
    }

    @Test
    void settingsBuildTheFilterAndItSavesAndLoads(@TempDir Path dir, SparkSession spark) throws Exception {
        SelectionSettings settings = SelectionSettings.topK(List.of(Scores.CLASSES),
                new SelectionSettings.TopK(0.5, 0.5, List.of(0.4, 0.1, 0.1, 0.0, 0.0, 0.0))).forRound(3);
        assertEquals("topk", settings.strategyName());
        PipelineModel model = PseudoLabelSelector.fit(settings, pool(spark));
        String path = dir.resolve("selector").toString();
        model.save(path);

        PipelineModel loaded = PipelineModel.load(path);

        TopKPerClassFilter top = assertInstanceOf(TopKPerClassFilter.class, loaded.stages()[0]);
        assertEquals(0.5, top.getFloor());
        assertEquals(0.5, top.getBudget());
        assertArrayEquals(new double[] {4 / 6.0, 1 / 6.0, 1 / 6.0, 0, 0, 0}, top.getPrior(), 1e-12);
        assertEquals(List.of("a2", "n1", "n2", "n3", "n4"), ids(loaded.transform(pool(spark))));
    }

    @Test
    void badSettingsAreRefused(SparkSession spark) {
        assertThrows(IllegalArgumentException.class, () -> new SelectionSettings.TopK(0.5, 0.0, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new SelectionSettings.TopK(1.5, 0.1, List.of()));
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> SelectionSettings.topK(List.of(Scores.CLASSES), new SelectionSettings.TopK(0.5, 0.1, List.of(1.0))));
        assertTrue(size.getMessage().contains("1 prior values for 6 classes"), size.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> filter().setIdCol("clip").transform(pool(spark)));
        assertTrue(missing.getMessage().contains("'clip'"), missing.getMessage());
    }
}
