package io.merspark.bench;

import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(SparkTestSession.class)
class SelectBenchTest {

    @Test
    void syntheticScoresAreDeterministicAndConsistent(SparkSession spark) {
        Dataset<Row> scores = SyntheticScores.generate(spark, 500, 7);

        assertEquals(List.of("sample_id", "probs", "member_probs", "pred", "confidence", "margin", "entropy"),
                List.of(scores.columns()));
        List<Row> rows = scores.orderBy("sample_id").collectAsList();
        assertEquals(rows, SyntheticScores.generate(spark, 500, 7).orderBy("sample_id").collectAsList());
        Row check = scores.selectExpr(
                "max(abs(aggregate(probs, 0D, (a, p) -> a + p) - 1))",
                "max(abs(aggregate(member_probs, 0D, (a, m) -> a + m[2]) / size(member_probs) - probs[2]))",
                "count_if(confidence != array_max(probs) OR probs[pred] != confidence)",
                "min(size(probs))", "max(size(probs))", "min(size(member_probs))", "max(size(member_probs))",
                "count_if(abs(margin - (confidence - sort_array(probs, false)[1])) > 0)").head();
        assertTrue(check.getDouble(0) < 1e-5, "probs sum to 1: " + check.getDouble(0));
        assertTrue(check.getDouble(1) < 1e-6, "probs are the member mean: " + check.getDouble(1));
        assertEquals(0L, check.getLong(2));
        assertEquals(List.of(6, 6, 3, 3), List.of(check.getInt(3), check.getInt(4), check.getInt(5), check.getInt(6)));
        assertEquals(0L, check.getLong(7));
    }

    @Test
    @Tag("slow")
    void measuresEveryStrategyPerSize(@TempDir Path dir, SparkSession spark) {
        List<SelectBench.Measurement> ms = SelectBench.measure(spark, new int[] {3000}, dir);

        assertEquals(List.of("scan", "fixed", "classwise", "flexmatch", "freematch", "quota", "agreement"),
                ms.stream().map(SelectBench.Measurement::strategy).toList());
        ms.forEach(m -> assertEquals(3000, m.rows()));
        assertEquals(3000, ms.get(0).accepted());
        long confident = spark.read().parquet(dir.resolve("scores-3000").toString())
                .filter(col("confidence").geq((float) SelectBench.THRESHOLD)).count();
        assertEquals(confident, ms.get(1).accepted());
        assertEquals(3000 / 20 * 6, ms.get(5).accepted());   // every class has more than 150 rows
        String report = SelectBench.report(spark, ms);
        assertEquals(2 + ms.size(), report.lines().count());
        assertTrue(report.lines().skip(2).allMatch(l -> l.trim().startsWith("3000")), report);
    }
}
