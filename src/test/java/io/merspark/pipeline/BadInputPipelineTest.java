package io.merspark.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.merspark.features.PooledFeatures;
import io.merspark.io.Layout;
import io.merspark.testing.CliProcess;
import io.merspark.testing.SparkTestSession;
import io.merspark.testing.TestSettings;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A generated corpus of good rows and every kind of bad input, through the real jobs (each in its own JVM, as
 * {@code ./submit.sh} runs them): ingest → extract → import-features (text, from {@code .npy}) → round 1. Every job
 * exits 0, every row ends up in exactly one place with a specific reason, the summaries add up, and the good rows'
 * features are those they get when extracted alone.
 */
@Tag("slow")
@ExtendWith(SparkTestSession.class)
class BadInputPipelineTest {

    private static final List<String> MODALITIES = List.of("video", "audio", "text");

    @Test
    void everyRowLandsInOutputsOrErrorsAndTheJobsGoOn(SparkSession spark, @TempDir Path dir) throws Exception {
        BadInputCorpus corpus = BadInputCorpus.write(Files.createDirectories(dir.resolve("corpus")));
        Path root = dir.resolve("root");
        Layout layout = new Layout(root.toString());

        String ingest = job("ingest", root, corpus);
        int rejectedRows = corpus.ingestRejected().size() + 1; // "twice" is two rows
        assertTrue(ingest.contains(corpus.rows + " rows in, " + (corpus.rows - rejectedRows) + " accepted"), ingest);
        assertTrue(ingest.contains(rejectedRows + " rejected"), ingest);
        String extract = job("extract", root, corpus);
        long acceptedRows = corpus.rows - rejectedRows;
        for (String m : MODALITIES) {
            long lost = corpus.expected.values().stream()
                    .filter(e -> "extract".equals(e.stage()) && e.modalities().contains(m)).count();
            String counts = m.toUpperCase(java.util.Locale.ROOT) + "=Counts[rowsIn=" + acceptedRows + ", featuresOut="
                    + (acceptedRows - lost) + ", errors=" + lost + "]";
            assertTrue(extract.contains(counts), counts + " not in:\n" + extract);
        }
        corpus.writeTextNpy(pooled(spark, layout.features("text")));
        String imported = job("import-features", root, corpus, "--dir", corpus.npyDir.toString(), "--modality", "text");
        assertTrue(imported.contains("errors=3"), imported);
        job("round", root, corpus, "--round", "1");

        // Ingest: every CSV row is a manifest row or an ingest error (the duplicated id twice, with its reason).
        Dataset<Row> manifest = spark.read().parquet(layout.manifest());
        Map<String, List<String>> ingestErrors = reasons(spark.read().parquet(layout.errors("ingest")));
        assertEquals(corpus.rows, manifest.count() + ingestErrors.values().stream().mapToLong(List::size).sum());
        assertEquals(new HashSet<>(corpus.ingestRejected()), ingestErrors.keySet());
        assertEquals(2, ingestErrors.get("twice").size());
        Set<String> accepted = ids(manifest);
        assertEquals(corpus.allIds().size() - corpus.ingestRejected().size(), accepted.size());

        // Extract + import: per modality, every accepted sample is a feature row xor an error row.
        Map<String, Set<String>> featureIds = new HashMap<>();
        Map<String, Map<String, String>> errorReasons = new HashMap<>();
        for (String m : MODALITIES) {
            Set<String> features = ids(spark.read().parquet(layout.features(m)));
            Map<String, String> errors = new TreeMap<>();
            for (String stage : List.of("extract", "import")) {
                for (Row r : spark.read().parquet(layout.errors(stage)).where(col("modality").equalTo(m)).collectAsList()) {
                    assertNull(errors.put(r.getAs("sample_id"), stage + ": " + r.getAs("reason")),
                            r.getAs("sample_id") + " has two " + m + " errors");
                }
            }
            Set<String> both = new HashSet<>(features);
            both.retainAll(errors.keySet());
            assertEquals(Set.of(), both, m + ": in features and in errors");
            Set<String> union = new HashSet<>(features);
            union.addAll(errors.keySet());
            assertEquals(accepted, union, m + ": features + errors must be exactly the accepted samples");
            featureIds.put(m, features);
            errorReasons.put(m, errors);
        }
        // Each bad row lost exactly the modalities it should, with a specific reason.
        corpus.expected.forEach((id, e) -> {
            if ("ingest".equals(e.stage())) {
                ingestErrors.get(id).forEach(reason -> assertTrue(reason.startsWith(e.reason()), id + ": " + reason));
                return;
            }
            for (String m : MODALITIES) {
                String reason = errorReasons.get(m).get(id);
                if (e.modalities().contains(m)) {
                    assertNotNull(reason, id + " should have a " + m + " error");
                    assertTrue(reason.startsWith(e.stage() + ": " + e.reason()), id + "/" + m + ": " + reason);
                    assertTrue(reason.length() > (e.stage() + ": ").length() + 5, id + "/" + m + " reason too vague: " + reason);
                } else {
                    assertNull(reason, id + " should keep its " + m + " features");
                }
            }
        });
        // The good rows lost nothing.
        for (String m : MODALITIES) {
            assertTrue(featureIds.get(m).containsAll(corpus.goodIds), m);
        }

        // The round: the ledger in metrics.json adds up, and matches the round's tables.
        JsonNode metrics = new ObjectMapper().readTree(Files.readString(Path.of(layout.metrics(1))));
        JsonNode samples = metrics.get("samples");
        long ledgerRows = samples.get("ingest_rejected").asLong();
        for (String split : List.of("train", "test", "unlabeled")) {
            JsonNode s = samples.get(split);
            assertEquals(s.get("rows").asLong(), s.get("usable").asLong() + s.get("no_features").asLong(), split);
            ledgerRows += s.get("rows").asLong();
        }
        assertEquals(corpus.rows, ledgerRows, "CSV rows = rejected + train + test + unlabeled");
        // the figures the README quotes
        assertEquals(4, samples.get("ingest_rejected").asLong());
        assertEquals(List.of(22L, 22L, 8L, 8L, 18L, 17L), List.of(
                samples.get("train").get("rows").asLong(), samples.get("train").get("usable").asLong(),
                samples.get("test").get("rows").asLong(), samples.get("test").get("usable").asLong(),
                samples.get("unlabeled").get("rows").asLong(), samples.get("unlabeled").get("usable").asLong()));
        Set<String> usable = new HashSet<>();
        MODALITIES.forEach(m -> usable.addAll(featureIds.get(m)));
        Set<String> unusable = new HashSet<>(accepted);
        unusable.removeAll(usable);
        assertEquals(Set.of("nothing_usable"), unusable);
        for (String m : MODALITIES) {
            assertTrue(errorReasons.get(m).containsKey("nothing_usable"), "a sample left out has an error per modality");
        }
        Set<String> scored = ids(spark.read().parquet(layout.scores(1)));
        Set<String> predicted = ids(spark.read().parquet(layout.predictions(1)));
        assertEquals(usable(manifest, "unlabeled", usable), scored);
        assertEquals(usable(manifest, "test", usable), predicted);
        assertEquals(samples.get("unlabeled").get("usable").asLong(), scored.size());
        assertEquals(samples.get("test").get("usable").asLong(), predicted.size());
        assertEquals(samples.get("train").get("usable").asLong(), metrics.get("n_train").asLong());
        assertEquals(0, metrics.get("n_test_unscored").asLong() - samples.get("test").get("no_features").asLong());
        assertTrue(scored.containsAll(List.of("silent_audio", "long_transcript", "not_media", "npy_inf", "npy_width")));
        assertTrue(predicted.containsAll(List.of("missing_file", "empty_transcript")));

        // The good rows' features are the ones they get when extracted alone.
        Path alone = dir.resolve("alone");
        JobContext ctx = JobContext.of(spark, RoundPipelineTest.settings(alone));
        IngestStage.run(ctx, ctx.settings().manifest());
        ExtractStage.run(ctx);
        for (String m : List.of("video", "audio")) {
            assertEquals(features(spark, new Layout(alone.toString()).features(m), corpus.goodIds),
                    features(spark, layout.features(m), corpus.goodIds), m + " features of the good rows");
        }
        // text went through .npy and back: the pooled vectors are the extracted ones, bit for bit
        Map<String, float[]> textAlone = pooled(spark, new Layout(alone.toString()).features("text"));
        Map<String, float[]> textImported = pooled(spark, layout.features("text"));
        for (String id : corpus.goodIds) {
            assertArrayEquals(textAlone.get(id), textImported.get(id), id);
        }
    }

    private static String job(String name, Path root, BadInputCorpus corpus, String... extra) {
        List<String> args = new ArrayList<>(List.of(name, "--root", root.toString(), "--manifest",
                corpus.manifest.toString(), "spark.master=\"local[2]\"", "extract.partition-rows=16",
                "train.folds=2", "train.max-epochs=6", "select.threshold=0.0"));
        args.addAll(TestSettings.modelOverrides());
        args.addAll(List.of(extra));
        CliProcess.Result r = CliProcess.run(600, args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), name + " failed:\n" + r.output());
        return r.output();
    }

    private static Set<String> ids(Dataset<Row> table) {
        Set<String> out = new HashSet<>();
        for (Row r : table.select("sample_id").collectAsList()) {
            assertTrue(out.add(r.getString(0)), "sample_id twice: " + r.getString(0));
        }
        return out;
    }

    private static Set<String> usable(Dataset<Row> manifest, String split, Set<String> usable) {
        Set<String> out = new HashSet<>(ids(manifest.where(col("split").equalTo(split))));
        out.retainAll(usable);
        return out;
    }

    private static Map<String, List<String>> reasons(Dataset<Row> errors) {
        Map<String, List<String>> out = new HashMap<>();
        for (Row r : errors.collectAsList()) {
            out.computeIfAbsent(r.getAs("sample_id"), k -> new ArrayList<>()).add(r.getAs("reason"));
        }
        return out;
    }

    private static Map<String, float[]> pooled(SparkSession spark, String dir) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Row r : spark.read().parquet(dir).orderBy("sample_id").collectAsList()) {
            out.put(r.getAs("sample_id"), PooledFeatures.vectors(r, List.of("pooled"))[0]);
        }
        return out;
    }

    /** The given samples' feature rows (pooled and tokens), sorted by sample_id, as comparable values. */
    private static List<Row> features(SparkSession spark, String dir, List<String> ids) {
        return spark.read().parquet(dir).where(col("sample_id").isin(ids.toArray()))
                .select("sample_id", "pooled", "tokens").orderBy("sample_id").collectAsList();
    }
}
