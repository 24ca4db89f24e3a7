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
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(SparkTestSession.class)
class ClassQuotaFilterTest {

    /** neutral: 4 rows with a tie at 0.8 (c before b in input order); angry: 1 row; happy: 2 rows. */
    static Dataset<Row> accepted(SparkSession spark) {
        return new Scores()
                .add("d", 0, 0.7f).add("c", 0, 0.8f).add("a", 0, 0.9f).add("b", 0, 0.8f)
                .add("e", 1, 0.6f)
                .add("g", 2, 0.95f).add("f", 2, 0.95f)
                .toDF(spark);
    }

    static List<String> ids(Dataset<Row> df) {
        return sorted(df).stream().map(r -> r.<String>getAs("sample_id")).toList();
    }

    @Test
    void keepsTheMostConfidentPerClassWithTiesBySampleId(SparkSession spark) {
        ClassQuotaFilter quota = new ClassQuotaFilter().setMaxPerClass(2);

        Dataset<Row> out = quota.transform(accepted(spark));

        // neutral: a (0.9), then b before c at 0.8; angry: e; happy: f and g tie, both fit
        assertEquals(List.of("a", "b", "e", "f", "g"), ids(out));
        assertEquals(List.of(accepted(spark).columns()), List.of(out.columns()));
    }

    @Test
    void tiesResolveTheSameWayWhateverThePartitioning(SparkSession spark) {
        ClassQuotaFilter quota = new ClassQuotaFilter().setMaxPerClass(1);
        Dataset<Row> input = accepted(spark);

        List<String> once = ids(quota.transform(input));
        List<String> reshuffled = ids(quota.transform(input.repartition(3).orderBy(input.col("sample_id").desc())));

        assertEquals(List.of("a", "e", "f"), once);
        assertEquals(once, reshuffled);
    }

    @Test
    void balanceToMinCapsEveryClassAtTheSmallestPresentClass(SparkSession spark) {
        // angry has 1 row; worried, sad, ... have none and do not force k = 0
        assertEquals(List.of("a", "e", "f"), ids(new ClassQuotaFilter().setBalanceToMin(true)
                .transform(accepted(spark))));

        Dataset<Row> withoutAngry = accepted(spark).filter("sample_id != 'e'");
        assertEquals(List.of("a", "b", "f", "g"), ids(new ClassQuotaFilter().setBalanceToMin(true)
                .transform(withoutAngry)));
        // with both, the smaller cap
        assertEquals(List.of("a", "f"), ids(new ClassQuotaFilter().setBalanceToMin(true).setMaxPerClass(1)
                .transform(withoutAngry)));
    }

    @Test
    void appliesToTheRowsAFilterAccepted(SparkSession spark) {
        Dataset<Row> labelled = new ConfidenceFilter().setClasses(Scores.CLASSES).setThreshold(0.75).setRound(1)
                .transform(accepted(spark));

        List<Row> out = sorted(new ClassQuotaFilter().setMaxPerClass(1).transform(labelled));

        assertEquals(List.of(List.of("a", "neutral", 1.0, "fixed", 1), List.of("f", "happy", 1.0, "fixed", 1)),
                out.stream().map(ConfidenceFilterTest::fields).toList());
    }

    @Test
    void schemaValidationNamesTheColumn(SparkSession spark) {
        Dataset<Row> scores = accepted(spark);

        IllegalArgumentException noQuota = assertThrows(IllegalArgumentException.class,
                () -> new ClassQuotaFilter().transform(scores));
        assertTrue(noQuota.getMessage().contains("'maxPerClass'"), noQuota.getMessage());
        IllegalArgumentException noId = assertThrows(IllegalArgumentException.class,
                () -> new ClassQuotaFilter().setMaxPerClass(1).transform(scores.drop("sample_id")));
        assertTrue(noId.getMessage().contains("'sample_id'"), noId.getMessage());
        IllegalArgumentException noPred = assertThrows(IllegalArgumentException.class,
                () -> new ClassQuotaFilter().setMaxPerClass(1).setPredictionCol("p").transform(scores));
        assertTrue(noPred.getMessage().contains("'p'"), noPred.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ClassQuotaFilter().setMaxPerClass(0));
    }

    @Test
    void savesAndLoads(@TempDir Path dir) throws Exception {
        String path = dir.resolve("quota").toString();
        new ClassQuotaFilter().setMaxPerClass(50).setIdCol("id").save(path);

        ClassQuotaFilter loaded = ClassQuotaFilter.load(path);

        assertEquals(50, loaded.getMaxPerClass());
        assertFalse(loaded.getBalanceToMin());
        assertEquals("id", loaded.getIdCol());
    }
}
