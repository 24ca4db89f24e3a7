package io.merspark.pipeline;

import io.merspark.extract.ExtractSummary;
import io.merspark.extract.Modality;
import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.*;

/** extract --only-new encodes only the rows appended to the manifest and keeps the features already made. */
@Tag("slow")
@ExtendWith(SparkTestSession.class)
class IncrementalExtractTest {

    @Test
    void onlyNewRowsAreExtractedAndOldFeaturesKept(SparkSession spark, @TempDir Path root) throws Exception {
        List<String> lines = Files.readAllLines(SparkTestSession.dataDir().resolve("tiny/manifest.csv"));
        // Manifests must sit next to tiny/'s relative media paths: write them into a temp copy of that layout.
        Path dir = root.resolve("manifests/tiny");
        Files.createDirectories(dir);
        Files.createSymbolicLink(root.resolve("manifests/clips"), SparkTestSession.dataDir().resolve("clips"));
        Files.write(dir.resolve("first.csv"), lines.subList(0, 7));    // header + 6 rows
        Files.write(dir.resolve("all.csv"), lines.subList(0, 13));     // header + 12 rows

        JobContext ctx = JobContext.of(spark, RoundPipelineTest.settings(root.resolve("out")));
        IngestStage.run(ctx, dir.resolve("first.csv").toString());
        ExtractStage.run(ctx, true);   // no features yet: a full extraction
        List<Row> before = spark.read().parquet(ctx.layout().features("video")).orderBy("sample_id").collectAsList();
        assertEquals(6, before.size());

        IngestStage.run(ctx, dir.resolve("all.csv").toString());
        ExtractSummary added = ExtractStage.run(ctx, true);
        for (Modality m : Modality.values()) {
            assertEquals(6, added.of(m).rowsIn(), m.key());
            assertEquals(12, spark.read().parquet(ctx.layout().features(m.key())).count(), m.key());
        }
        List<String> firstIds = before.stream().map(r -> r.getString(r.fieldIndex("sample_id"))).toList();
        List<Row> kept = spark.read().parquet(ctx.layout().features("video"))
                .where(col("sample_id").isin(firstIds.toArray())).orderBy("sample_id").collectAsList();
        assertEquals(before, kept);

        ExtractSummary nothing = ExtractStage.run(ctx, true);
        assertEquals(0, nothing.of(Modality.TEXT).rowsIn());
        assertEquals(12, spark.read().parquet(ctx.layout().features("text")).count());
    }
}
