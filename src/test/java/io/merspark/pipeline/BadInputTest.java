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

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.*;

/** The bundled bad/ rows go through ingest and extract into errors/, each with its reason, and nothing is lost. */
@Tag("slow")
@ExtendWith(SparkTestSession.class)
class BadInputTest {

    @Test
    void brokenMediaLandsInErrorsWithReasons(SparkSession spark, @TempDir Path root) {
        String manifest = SparkTestSession.dataDir().resolve("bad/manifest.csv").toString();
        JobContext ctx = JobContext.of(spark, RoundPipelineTest.settings(root, "ingest.manifest=\"" + manifest + "\""));
        var ingest = IngestStage.run(ctx, manifest);
        assertEquals(3, ingest.accepted());

        ExtractSummary summary = ExtractStage.run(ctx);
        assertTrue(summary.balanced(), summary.toString());

        Map<String, String> reasons = new HashMap<>();
        for (Row r : spark.read().parquet(ctx.layout().errors("extract")).collectAsList()) {
            reasons.put(r.getString(r.fieldIndex("sample_id")) + "/" + r.getString(r.fieldIndex("modality")),
                    r.getString(r.fieldIndex("reason")));
        }
        for (String id : List.of("bad_truncated", "bad_textfile", "bad_missing")) {
            for (String m : List.of("video", "audio")) {
                assertTrue(reasons.containsKey(id + "/" + m), "no " + m + " error for " + id + ": " + reasons);
            }
        }
        assertTrue(reasons.get("bad_missing/video").contains("not found"), reasons.get("bad_missing/video"));
        assertNotEquals(reasons.get("bad_missing/video"), reasons.get("bad_textfile/video"));
        // The transcripts of the bad rows are fine, so text features exist for all three.
        assertEquals(3, spark.read().parquet(ctx.layout().features("text")).count());
        for (Modality m : Modality.values()) {
            var c = summary.of(m);
            assertEquals(3, c.rowsIn(), m.key());
            long errors = spark.read().parquet(ctx.layout().errors("extract")).where(col("modality").equalTo(m.key())).count();
            assertEquals(c.errors(), errors, m.key());
        }
    }
}
