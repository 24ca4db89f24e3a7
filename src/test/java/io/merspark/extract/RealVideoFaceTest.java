package io.merspark.extract;

import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The six real CREMA-D clips (FLV, VP6 480x360, MP3 44.1 kHz) and ffmpeg's SMPTE colour bars (no face; made by
 * src/test/resources/media/make_media.sh), through the extract job with face = detect.
 */
@Tag("slow")
@ExtendWith(SparkTestSession.class)
class RealVideoFaceTest {

    private static final Path ROOT = SparkTestSession.projectDir();
    private static final ExtractSpec DETECT = ExtractSpec.defaults(ROOT.resolve("models"))
            .withFace("detect", ROOT.resolve("models/face-detector/tiny_face_detector.onnx").toString());

    private static Dataset<Row> manifest(SparkSession spark) {
        List<Row> rows = new ArrayList<>(Manifests.read(spark, ROOT.resolve("data/real-av/manifest.csv")).collectAsList());
        rows.add(RowFactory.create("colour_bars", "unlabeled", null,
                ROOT.resolve("src/test/resources/media/smptebars_noface.mp4").toString(), null, "No face here."));
        return spark.createDataFrame(rows, Manifests.SCHEMA);
    }

    @Test
    void everyRealClipDecodesAndShowsAFaceAndTheTestPatternNone(SparkSession spark, @TempDir Path out) {
        String features = out.resolve("features").toString();
        ExtractSummary summary = new FeatureExtractor().run(spark, manifest(spark), DETECT, features,
                out.resolve("errors").toString());

        for (Modality m : Modality.values()) {
            assertEquals(new ExtractSummary.Counts(7, 7, 0), summary.of(m), m.key());
        }
        Dataset<Row> written = spark.read().parquet(features);
        assertEquals(DataTypes.FloatType, written.schema().apply("face_found").dataType());
        Map<String, Float> faceFound = new HashMap<>();
        for (Row r : written.filter(col("modality").equalTo("video")).collectAsList()) {
            faceFound.put(r.getAs("sample_id"), r.getAs("face_found"));
            assertEquals(256, r.<scala.collection.Seq<?>>getAs("pooled").size());
            assertEquals(8, r.<scala.collection.Seq<?>>getAs("tokens").size());
        }
        assertEquals(7, faceFound.size());
        faceFound.forEach((id, share) -> {
            if (id.startsWith("crema_")) {
                assertTrue(share >= 0.9f, id + " face_found " + share);
            }
        });
        assertEquals(0f, faceFound.get("colour_bars"));
        for (Row r : written.filter(col("modality").notEqual("video")).collectAsList()) {
            assertNull(r.getAs("face_found"), r.toString());
        }
    }

    @Test
    void withoutDetectionFramesAreWholeAndFaceFoundIsNull(SparkSession spark, @TempDir Path out) {
        String features = out.resolve("features").toString();
        ExtractSpec none = DETECT.withFace("none", DETECT.faceDetector())
                .withModalities(java.util.EnumSet.of(Modality.VIDEO));
        new FeatureExtractor().run(spark, manifest(spark), none, features, out.resolve("errors").toString());
        List<Row> rows = spark.read().parquet(features).collectAsList();
        assertEquals(7, rows.size());
        rows.forEach(r -> assertNull(r.getAs("face_found")));
    }
}
