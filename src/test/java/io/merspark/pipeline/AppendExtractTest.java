package io.merspark.pipeline;

import io.merspark.extract.ExtractSummary;
import io.merspark.extract.Modality;
import io.merspark.io.Sha256;
import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.*;

/**
 * extract --only-new adds files for the new and retried rows only, leaves every other committed file as it was,
 * retries a transient error (a clip not there yet) and keeps a permanent one (a truncated clip) with its reason.
 */
@Tag("slow")
@ExtendWith(SparkTestSession.class)
class AppendExtractTest {

    @Test
    void appendWritesOnlyTheNewRowsFilesAndRetriesTransientErrors(SparkSession spark, @TempDir Path root)
            throws Exception {
        List<String> tiny = Files.readAllLines(SparkTestSession.dataDir().resolve("tiny/manifest.csv"));
        Path dir = Files.createDirectories(root.resolve("manifests/tiny"));
        Files.createSymbolicLink(root.resolve("manifests/clips"), SparkTestSession.dataDir().resolve("clips"));
        Path late = Files.createDirectories(root.resolve("manifests/late"));
        Files.copy(SparkTestSession.dataDir().resolve("bad/bad_truncated.mp4"), late.resolve("broken.mp4"));
        List<String> first = new ArrayList<>(tiny.subList(0, 5));                  // header + 4 clips
        first.add("late_1,unlabeled,,../late/late_1.mp4,The upload of this clip is not finished.");
        first.add("broken_1,unlabeled,,../late/broken.mp4,This clip is truncated.");
        Files.write(dir.resolve("first.csv"), first);
        List<String> all = new ArrayList<>(first);
        all.addAll(tiny.subList(5, 7));                                           // 2 new clips
        Files.write(dir.resolve("all.csv"), all);

        JobContext ctx = JobContext.of(spark, RoundPipelineTest.settings(root.resolve("out")));
        Path features = root.resolve("out/features");
        Path errors = root.resolve("out/errors/stage=extract");
        IngestStage.run(ctx, dir.resolve("first.csv").toString());
        ExtractStage.run(ctx, true);   // no features yet: a full extraction
        assertEquals(Map.of("late_1/video", true, "late_1/audio", true, "broken_1/video", false,
                "broken_1/audio", false), transientFlags(spark, ctx));
        Map<String, String> brokenReasons = reasons(spark, ctx);

        // the late clip arrives, two clips are appended to the manifest
        Files.copy(SparkTestSession.dataDir().resolve("clips/mini_0133.mp4"), late.resolve("late_1.mp4"));
        IngestStage.run(ctx, dir.resolve("all.csv").toString());
        Map<String, String> featuresBefore = fingerprint(features);
        Map<String, String> errorsBefore = fingerprint(errors);
        Set<String> errorFilesWithLate = filesHolding(spark, errors, "late_1");

        ExtractSummary added = ExtractStage.run(ctx, true);

        // 2 new rows in every modality, plus the retried late_1 video and audio; all of them succeed
        assertEquals(new ExtractSummary.Counts(3, 3, 0), added.of(Modality.VIDEO));
        assertEquals(new ExtractSummary.Counts(3, 3, 0), added.of(Modality.AUDIO));
        assertEquals(new ExtractSummary.Counts(2, 2, 0), added.of(Modality.TEXT));
        Map<String, String> featuresAfter = fingerprint(features);
        featuresBefore.forEach((file, print) -> assertEquals(print, featuresAfter.get(file), file + " was touched"));
        Set<String> newFiles = new TreeSet<>(featuresAfter.keySet());
        newFiles.removeAll(featuresBefore.keySet());
        String newId1 = all.get(7).split(",")[0];
        String newId2 = all.get(8).split(",")[0];
        assertEquals(Map.of("video", Set.of(newId1, newId2, "late_1"), "audio", Set.of(newId1, newId2, "late_1"),
                "text", Set.of(newId1, newId2)), idsIn(spark, features, newFiles));

        // only the error file holding late_1 was replaced, by one without it; the permanent errors kept their reasons
        Map<String, String> errorsAfter = fingerprint(errors);
        assertFalse(errorFilesWithLate.isEmpty());
        errorsBefore.forEach((file, print) -> {
            if (errorFilesWithLate.contains(file)) {
                assertFalse(errorsAfter.containsKey(file), file + " still there");
            } else {
                assertEquals(print, errorsAfter.get(file), file + " was touched");
            }
        });
        assertEquals(Map.of("broken_1/video", false, "broken_1/audio", false), transientFlags(spark, ctx));
        assertEquals(Map.of("broken_1/video", brokenReasons.get("broken_1/video"),
                "broken_1/audio", brokenReasons.get("broken_1/audio")), reasons(spark, ctx));
        assertTrue(brokenReasons.get("broken_1/video").startsWith("truncated or corrupt video"));

        // input rows = features + errors per modality, no (sample, modality) twice
        Map<String, Long> featureRows = countsByModality(spark, ctx.layout().features());
        Map<String, Long> errorRows = countsByModality(spark, ctx.layout().errors("extract"));
        assertEquals(Map.of("video", 7L, "audio", 7L, "text", 8L), featureRows);
        assertEquals(Map.of("video", 1L, "audio", 1L), errorRows);
        assertEquals(0, spark.read().parquet(ctx.layout().features()).groupBy("sample_id", "modality").count()
                .where(col("count").gt(1)).count());

        // nothing new, nothing to retry: nothing written
        Map<String, String> everything = fingerprint(root.resolve("out"));
        ExtractSummary nothing = ExtractStage.run(ctx, true);
        assertEquals(ExtractSummary.empty(Set.of(Modality.values())), nothing);
        assertEquals(everything, fingerprint(root.resolve("out")));

        // a train clip is moved to test: its rows are copied into the test partitions, nothing is extracted again
        int row = 1;
        while (!all.get(row).split(",")[1].equals("train")) {
            row++;
        }
        String[] fields = all.get(row).split(",", -1);
        fields[1] = "test";
        List<String> moved = new ArrayList<>(all);
        moved.set(row, String.join(",", fields));
        Files.write(dir.resolve("moved.csv"), moved);
        IngestStage.run(ctx, dir.resolve("moved.csv").toString());
        assertTrue(new RoundStages(ctx).split("test").where(col("sample_id").equalTo(fields[0])).isEmpty(),
                "before the copy the test read does not find it");
        Map<String, String> beforeMove = fingerprint(features);
        assertEquals(ExtractSummary.empty(Set.of(Modality.values())), ExtractStage.run(ctx, true));
        Map<String, String> afterMove = fingerprint(features);
        beforeMove.forEach((file, print) -> assertEquals(print, afterMove.get(file), file + " was touched"));
        Set<String> copies = new TreeSet<>(afterMove.keySet());
        copies.removeAll(beforeMove.keySet());
        assertTrue(copies.stream().allMatch(f -> f.contains("/split=test/")), copies.toString());
        assertEquals(Map.of("video", Set.of(fields[0]), "audio", Set.of(fields[0]), "text", Set.of(fields[0])),
                idsIn(spark, features, copies));
        assertEquals(1, new RoundStages(ctx).split("test").where(col("sample_id").equalTo(fields[0])).count());
        assertTrue(new RoundStages(ctx).split("train").where(col("sample_id").equalTo(fields[0])).isEmpty());
    }

    /** relative path → SHA-256 and mtime of every data file (checksum files and markers left out). */
    static Map<String, String> fingerprint(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                String name = p.getFileName().toString();
                if (!name.startsWith(".")) {
                    out.put(dir.relativize(p).toString(), Sha256.of(p) + "@" + Files.getLastModifiedTime(p).toMillis());
                }
            }
        }
        return out;
    }

    private static Set<String> filesHolding(SparkSession spark, Path table, String sampleId) throws IOException {
        Set<String> out = new TreeSet<>();
        for (String file : fingerprint(table).keySet()) {
            if (file.endsWith(".parquet") && spark.read().parquet(table.resolve(file).toString())
                    .where(col("sample_id").equalTo(sampleId)).count() > 0) {
                out.add(file);
            }
        }
        return out;
    }

    private static Map<String, Set<String>> idsIn(SparkSession spark, Path features, Set<String> files) {
        Map<String, Set<String>> out = new HashMap<>();
        for (String file : files) {
            String modality = file.substring("modality=".length(), file.indexOf('/'));
            for (Row r : spark.read().parquet(features.resolve(file).toString()).select("sample_id").collectAsList()) {
                assertTrue(out.computeIfAbsent(modality, k -> new TreeSet<>()).add(r.getString(0)),
                        r.getString(0) + " written twice");
            }
        }
        return out;
    }

    private static Map<String, Boolean> transientFlags(SparkSession spark, JobContext ctx) {
        return spark.read().parquet(ctx.layout().errors("extract")).collectAsList().stream().collect(Collectors.toMap(
                r -> r.getAs("sample_id") + "/" + r.getAs("modality"), r -> r.<Boolean>getAs("transient")));
    }

    private static Map<String, String> reasons(SparkSession spark, JobContext ctx) {
        return spark.read().parquet(ctx.layout().errors("extract")).collectAsList().stream().collect(Collectors.toMap(
                r -> r.getAs("sample_id") + "/" + r.getAs("modality"), r -> r.<String>getAs("reason")));
    }

    private static Map<String, Long> countsByModality(SparkSession spark, String table) {
        return spark.read().parquet(table).groupBy("modality").count().collectAsList().stream()
                .collect(Collectors.toMap(r -> r.getString(0), r -> r.getLong(1)));
    }
}
