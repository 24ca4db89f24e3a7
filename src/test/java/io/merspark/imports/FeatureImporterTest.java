package io.merspark.imports;

import io.merspark.extract.Modality;
import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The .npy fixtures were made once by src/test/resources/npy/make_fixtures.py (numpy 1.24). */
@ExtendWith(SparkTestSession.class)
class FeatureImporterTest {

    static Path fixtures(String folder) {
        try {
            return Paths.get(FeatureImporterTest.class.getResource("/npy/" + folder).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Row> byId(List<Row> rows) {
        Map<String, Row> out = new HashMap<>();
        rows.forEach(r -> out.put(r.getAs("sample_id"), r));
        return out;
    }

    private static float[] floats(Row r, String column) {
        List<Float> list = r.getList(r.fieldIndex(column));
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i);
        }
        return out;
    }

    @Test
    void frameLevelFilesPoolOverTimeAndKeepCappedFrames(SparkSession spark, @TempDir Path out) {
        ImportSummary s = new FeatureImporter().run(spark, fixtures("good-frames").toString(), Modality.VIDEO, 8,
                out.resolve("f").toString(), out.resolve("e").toString(), null);

        assertEquals(new ImportSummary("video", "npy:good-frames", 6, 6, 0, 16, 1), s);
        Map<String, Row> rows = byId(spark.read().parquet(out.resolve("f").toString()).collectAsList());
        assertEquals(6, rows.size());
        // known_t4: row t is t + i/16, so the mean over t = 0..3 is 1.5 + i/16
        Row known = rows.get("known_t4");
        assertEquals("npy:good-frames", known.getAs("encoder"));
        float[] pooled = floats(known, "pooled");
        for (int i = 0; i < 16; i++) {
            assertEquals(1.5f + i / 16f, pooled[i], 1e-6f);
        }
        assertEquals(4, known.getList(known.fieldIndex("tokens")).size());
        // 40 frames: 8 kept
        assertEquals(8, rows.get("f32_t40").getList(rows.get("f32_t40").fieldIndex("tokens")).size());
        // a Fortran-ordered (3, 16) file of 0..47 in C order reads as such: frame 0 is 0..15, the mean is 16..31
        float[] fortran = floats(rows.get("f32_fortran_t3"), "pooled");
        for (int i = 0; i < 16; i++) {
            assertEquals(16f + i, fortran[i], 1e-5f);
        }
        Row fortranRow = rows.get("f32_fortran_t3");
        List<?> first = scala.jdk.javaapi.CollectionConverters.asJava(
                (scala.collection.Seq<?>) fortranRow.getList(fortranRow.fieldIndex("tokens")).get(0));
        assertEquals(1.0f, (Float) first.get(1), 0f);
        // float16 comes out as float32 of the same values
        assertEquals(16, floats(rows.get("f16_t7"), "pooled").length);
        assertEquals(0, spark.read().parquet(out.resolve("e").toString()).count());
    }

    @Test
    void utteranceLevelFilesAreTheirOwnPooledVectorAndSingleToken(SparkSession spark, @TempDir Path out) {
        ImportSummary s = new FeatureImporter().run(spark, fixtures("good-utt").toString(), Modality.AUDIO, 48,
                out.resolve("f").toString(), out.resolve("e").toString(), null);

        assertEquals(new ImportSummary("audio", "npy:good-utt", 4, 4, 0, 16, 0), s);
        Map<String, Row> rows = byId(spark.read().parquet(out.resolve("f").toString()).collectAsList());
        float[] expected = new float[16];
        for (int i = 0; i < 16; i++) {
            expected[i] = i / 4f;
        }
        assertArrayEquals(expected, floats(rows.get("known_u"), "pooled"));
        assertEquals(1, rows.get("known_u").getList(rows.get("known_u").fieldIndex("tokens")).size());
        assertEquals(16, floats(rows.get("u16_b"), "pooled").length);
        assertEquals(16, floats(rows.get("u64_c"), "pooled").length);
    }

    @Test
    void badFilesBecomeErrorsWithReasonsAndTheJobGoesOn(SparkSession spark, @TempDir Path out) {
        ImportSummary s = new FeatureImporter().run(spark, fixtures("bad").toString(), Modality.TEXT, 32,
                out.resolve("f").toString(), out.resolve("e").toString(), null);

        assertEquals(16, s.files(), "README.txt is not a .npy file and not counted");
        assertEquals(4, s.imported());
        assertEquals(12, s.errors());
        assertTrue(s.balanced());
        assertEquals(16, s.width());
        Map<String, String> reasons = new HashMap<>();
        for (Row r : spark.read().parquet(out.resolve("e").toString()).collectAsList()) {
            assertEquals("text", r.getAs("modality"));
            reasons.put(r.getAs("sample_id"), r.getAs("reason"));
        }
        Map<String, String> expected = Map.ofEntries(
                Map.entry("int32", "unsupported dtype int32"),
                Map.entry("complex64", "unsupported dtype <c8"),
                Map.entry("object", "unsupported dtype |O"),
                Map.entry("rank3", "rank 3 array"),
                Map.entry("scalar", "rank 0 array"),
                Map.entry("width12", "width 12 differs from the folder's width 16"),
                Map.entry("zero_frames", "empty array"),
                Map.entry("nan", "non-finite values"),
                Map.entry("inf", "non-finite values"),
                Map.entry("empty", "empty file"),
                Map.entry("notnpy", "not an .npy file"),
                Map.entry("truncated", "truncated or malformed .npy"));
        assertEquals(expected.keySet(), reasons.keySet());
        expected.forEach((id, reason) -> assertTrue(reasons.get(id).startsWith(reason), id + ": " + reasons.get(id)));
        assertEquals(List.of("ok_0", "ok_1", "ok_2", "ok_3"), spark.read().parquet(out.resolve("f").toString())
                .select("sample_id").orderBy("sample_id").as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    }

    @Test
    void aFolderWithoutNpyFilesIsRefused(SparkSession spark, @TempDir Path out) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FeatureImporter().run(
                spark, out.toString(), Modality.VIDEO, 8, out.resolve("f").toString(), out.resolve("e").toString(),
                null));
        assertTrue(e.getMessage().startsWith("no .npy files in "), e.getMessage());
    }
}
