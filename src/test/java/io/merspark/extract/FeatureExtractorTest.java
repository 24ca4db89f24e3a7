package io.merspark.extract;

import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("slow")
@ExtendWith(SparkTestSession.class)
class FeatureExtractorTest {

    private static final Path DATA = SparkTestSession.dataDir();
    private static final ExtractSpec SPEC = ExtractSpec.defaults(SparkTestSession.projectDir().resolve("models"))
            .withRowsPerPartition(12);

    @Test
    void extractsEveryModalityOfTheTinyManifest(SparkSession spark, @TempDir Path out) {
        Dataset<Row> manifest = Manifests.read(spark, DATA.resolve("tiny/manifest.csv"));
        String features = out.resolve("features").toString();
        String errors = out.resolve("errors").toString();

        ExtractSummary summary = new FeatureExtractor().run(spark, manifest, SPEC, features, errors);

        for (Modality m : Modality.values()) {
            assertEquals(new ExtractSummary.Counts(36, 36, 0), summary.of(m), m.key());
        }
        assertTrue(summary.balanced());
        assertTrue(summary.modelLoads() <= 3, "one load per model and JVM, got " + summary.modelLoads());

        Dataset<Row> written = spark.read().parquet(features);
        StructType schema = written.schema();
        assertEquals(DataTypes.StringType, schema.apply("sample_id").dataType());
        assertEquals(DataTypes.StringType, schema.apply("encoder").dataType());
        assertEquals(DataTypes.FloatType, ((ArrayType) schema.apply("pooled").dataType()).elementType());
        assertEquals(DataTypes.createArrayType(DataTypes.FloatType, false).elementType(),
                ((ArrayType) ((ArrayType) schema.apply("tokens").dataType()).elementType()).elementType());
        assertEquals(DataTypes.StringType, schema.apply("modality").dataType());
        assertEquals(0, spark.read().parquet(errors).count());

        Map<String, int[]> widths = new HashMap<>();
        for (Row r : written.groupBy("modality").agg(
                org.apache.spark.sql.functions.min(org.apache.spark.sql.functions.size(col("pooled"))),
                org.apache.spark.sql.functions.max(org.apache.spark.sql.functions.size(col("pooled"))),
                org.apache.spark.sql.functions.max(org.apache.spark.sql.functions.size(col("tokens"))),
                org.apache.spark.sql.functions.countDistinct(col("sample_id")),
                org.apache.spark.sql.functions.first(col("encoder"))).collectAsList()) {
            widths.put(r.getString(0), new int[] {r.getInt(1), r.getInt(2), r.getInt(3), (int) r.getLong(4)});
            assertTrue(r.getString(5).matches("[a-z0-9-]+@[0-9a-f]{12}"), r.getString(5));
        }
        assertEquals(List.of(256, 256, 8, 36), List.of(widths.get("video")[0], widths.get("video")[1],
                widths.get("video")[2], widths.get("video")[3]));
        assertEquals(List.of(96, 96, 36), List.of(widths.get("audio")[0], widths.get("audio")[1],
                widths.get("audio")[3]));
        // 2.9..5.3 s clips give 27..57 windows, capped at 48 (tiny's longest has 43)
        assertTrue(widths.get("audio")[2] >= 27 && widths.get("audio")[2] <= 48);
        assertEquals(List.of(384, 384, 36), List.of(widths.get("text")[0], widths.get("text")[1],
                widths.get("text")[3]));
        assertTrue(widths.get("text")[2] <= 32);
        assertTrue(new java.io.File(features, "modality=video").isDirectory());
    }

    @Test
    void brokenMediaLandInErrorsWithSpecificReasonsWhileTextIsExtracted(SparkSession spark, @TempDir Path out) {
        Dataset<Row> manifest = Manifests.read(spark, DATA.resolve("bad/manifest.csv"));
        String features = out.resolve("features").toString();
        String errors = out.resolve("errors").toString();

        ExtractSummary summary = new FeatureExtractor().run(spark, manifest, SPEC, features, errors);

        assertEquals(new ExtractSummary.Counts(3, 0, 3), summary.of(Modality.VIDEO));
        assertEquals(new ExtractSummary.Counts(3, 0, 3), summary.of(Modality.AUDIO));
        assertEquals(new ExtractSummary.Counts(3, 3, 0), summary.of(Modality.TEXT));
        summary.requireBalanced();
        // models are cached per JVM: however many runs and tasks, each model is loaded at most once
        assertTrue(EncoderCache.loadCount() <= 3, "loads in this JVM: " + EncoderCache.loadCount());

        Map<String, String> reasons = new HashMap<>();
        for (Row r : spark.read().parquet(errors).collectAsList()) {
            reasons.put(r.<String>getAs("sample_id") + "/" + r.getAs("modality"), r.getAs("reason"));
        }
        assertEquals(6, reasons.size());
        for (String m : List.of("video", "audio")) {
            assertTrue(reasons.get("bad_missing/" + m).startsWith("file not found: "), reasons.toString());
            assertTrue(reasons.get("bad_textfile/" + m).startsWith("not a media file: "), reasons.toString());
            assertTrue(reasons.get("bad_truncated/" + m).startsWith("truncated"), reasons.toString());
        }
        assertEquals(3, spark.read().parquet(features).filter(col("modality").equalTo("text")).count());
    }
}
