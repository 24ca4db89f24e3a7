package io.merspark.pipeline;

import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** A sample whose split changed gets its feature rows copied into its new split's partition, once. */
@ExtendWith(SparkTestSession.class)
class SplitMovesTest {

    @Test
    void copiesOnlyTheMovedSamplesRowsIntoTheirNewSplit(SparkSession spark, @TempDir Path dir) {
        String features = dir.resolve("features").toString();
        // extracted under the old manifest: g0 train, x0 test, u0..u3 unlabeled; audio and text each
        spark.sql("SELECT * FROM VALUES ('g0','train'), ('x0','test'), ('u0','unlabeled'), ('u1','unlabeled'),"
                        + " ('u2','unlabeled'), ('u3','unlabeled') AS t(sample_id, split)")
                .crossJoin(spark.sql("SELECT explode(array('audio','text')) AS modality"))
                .selectExpr("sample_id", "'enc' AS encoder",
                        "array(CAST(hash(sample_id, modality) % 100 AS FLOAT)) AS pooled", "modality", "split")
                .repartition(3)
                .write().partitionBy("modality", "split").parquet(features);
        // now: u1 labelled into train, x0 moved to the pool, u3 removed, the rest as before
        Dataset<Row> manifest = spark.sql("SELECT * FROM VALUES ('g0','train'), ('x0','unlabeled'), ('u0','unlabeled'),"
                + " ('u1','train'), ('u2','unlabeled') AS t(sample_id, split)");

        String moved = dir.resolve("moved").toString();
        assertEquals(4, new SplitMoves(spark).copy(manifest, features, moved));
        List<String> copied = spark.read().parquet(moved).orderBy("sample_id", "modality")
                .selectExpr("concat_ws('/', sample_id, modality, split)").as(org.apache.spark.sql.Encoders.STRING())
                .collectAsList();
        assertEquals(List.of("u1/audio/train", "u1/text/train", "x0/audio/unlabeled", "x0/text/unlabeled"), copied);
        // the copies carry the rows' values unchanged
        Dataset<Row> before = spark.read().parquet(features).where("sample_id IN ('u1','x0')").drop("split");
        Dataset<Row> after = spark.read().parquet(moved).drop("split");
        assertEquals(0, before.exceptAll(after.select(before.columns()[0], java.util.Arrays.copyOfRange(
                before.columns(), 1, before.columns().length))).count());

        // once the copies are in the table, nothing is left to move
        spark.read().parquet(moved).write().mode("append").partitionBy("modality", "split").parquet(features);
        assertEquals(0, new SplitMoves(spark).copy(manifest, features, dir.resolve("again").toString()));
        assertFalse(dir.resolve("again").toFile().exists(), "nothing written when nothing moved");
    }
}
