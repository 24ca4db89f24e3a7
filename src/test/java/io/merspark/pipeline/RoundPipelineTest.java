package io.merspark.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.merspark.config.ConfigLoader;
import io.merspark.config.Settings;
import io.merspark.testing.SparkTestSession;
import io.merspark.testing.TestSettings;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.*;

/** The whole path on tiny/: ingest → extract → one round, then resume and ordering rules. */
@Tag("slow")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RoundPipelineTest {

    @TempDir
    static Path root;

    private JobContext ctx;
    private SparkSession spark;

    static Settings settings(Path root, String... extra) {
        Path data = SparkTestSession.dataDir();
        List<String> o = new ArrayList<>(List.of(
                "root=\"" + root + "\"",
                "ingest.manifest=\"" + data.resolve("tiny/manifest.csv") + "\"",
                "evaluate.truth=\"" + data.resolve("tiny/unlabeled_truth.csv") + "\"",
                "train.folds=3", "train.max-epochs=40", "train.patience=10", "extract.partition-rows=16",
                // 18 training rows give near-uniform probabilities, so accept everything: the plumbing is under test here
                "select.threshold=0.0"));
        o.addAll(TestSettings.modelOverrides());
        o.addAll(List.of(extra));
        return Settings.from(ConfigLoader.load(null, o));
    }

    @BeforeAll
    void prepare() {
        spark = SparkTestSession.get();
        // no collapse guard here: the near-uniform model's accepted mix is far from the prior, and this test wants
        // the whole pool accepted (the guard has its own tests)
        ctx = JobContext.of(spark, settings(root, "select.collapse-guard=false"));
    }

    @Test
    @Order(1)
    void ingestAndExtractAccountForEveryRow() {
        var ingest = IngestStage.run(ctx, ctx.settings().manifest());
        assertEquals(36, ingest.accepted());
        var summary = ExtractStage.run(ctx);
        for (String m : List.of("video", "audio", "text")) {
            long features = spark.read().parquet(ctx.layout().features(m)).count();
            long errors = spark.read().parquet(ctx.layout().errors("extract")).where(col("modality").equalTo(m)).count();
            assertEquals(36, features + errors, m);
            assertEquals(36, features, m + " features on clean clips");
        }
        assertTrue(summary.balanced(), summary.toString());
    }

    @Test
    @Order(2)
    void oneRoundWritesEveryTableAndMetrics() throws Exception {
        Map<String, Object> m = new RoundRunner(ctx).run(1, false);
        JsonNode json = new ObjectMapper().readTree(Files.readString(Path.of(ctx.layout().metrics(1))));
        for (String key : List.of("round", "waf", "accuracy", "per_class_f1", "confusion", "n_train", "n_pseudo",
                "pseudo_accuracy", "n_test")) {
            assertTrue(json.has(key), "metrics.json lacks " + key + ": " + json);
        }
        assertEquals(1, json.get("round").asInt());
        assertEquals(18, json.get("n_train").asLong());
        assertEquals(6, json.get("n_test").asLong());
        double waf = json.get("waf").asDouble();
        assertTrue(waf >= 0 && waf <= 1);
        assertEquals(6, json.get("per_class_f1").size());
        assertTrue(Files.exists(Path.of(ctx.layout().success(1))));
        // The out-of-fold validation confusion (for BBSE) counts every training row exactly once.
        JsonNode oof = new ObjectMapper().readTree(Path.of(ctx.layout().model(1), "validation_confusion.json").toFile());
        long counted = 0;
        for (JsonNode row : oof.get("matrix")) {
            for (JsonNode c : row) {
                counted += c.asLong();
            }
        }
        assertEquals(18, counted);
        assertTrue(json.get("prior").get("estimated_bbse").isObject(), json.toString());
        assertTrue(json.get("corrected").has("waf"));

        Dataset<Row> scores = spark.read().parquet(ctx.layout().scores(1));
        assertEquals(12, scores.count());
        for (Row r : scores.collectAsList()) {
            List<Float> probs = r.getList(r.fieldIndex("probs"));
            assertEquals(6, probs.size());
            assertEquals(1.0, probs.stream().mapToDouble(Float::doubleValue).sum(), 1e-4);
        }
        Dataset<Row> pseudo = spark.read().parquet(ctx.layout().pseudo(1));
        Set<String> scored = scores.select("sample_id").collectAsList().stream().map(r -> r.getString(0)).collect(Collectors.toSet());
        for (Row r : pseudo.collectAsList()) {
            assertTrue(scored.contains(r.getString(0)));
            assertTrue(r.<Float>getAs("confidence") > 1f / 6 - 1e-6);
        }
        assertEquals(pseudo.count(), json.get("n_pseudo").asLong());
        assertEquals(m.get("waf"), json.get("waf").asDouble());

        // pool_truth: every scored pool row's prediction against the held-back truth, counted here by hand
        Map<String, String> truth = new java.util.HashMap<>();
        List<String> truthLines = Files.readAllLines(SparkTestSession.dataDir().resolve("tiny/unlabeled_truth.csv"));
        for (String line : truthLines.subList(1, truthLines.size())) {
            String[] f = line.split(",");
            truth.put(f[0], f[1]);
        }
        List<Row> scoredRows = scores.select("sample_id", "pred").collectAsList();
        int[] labels = scoredRows.stream().mapToInt(r -> ctx.settings().classes().indexOf(truth.get(r.getString(0)))).toArray();
        int[] preds = scoredRows.stream().mapToInt(r -> r.getInt(1)).toArray();
        var expected = io.merspark.evaluate.ClassificationMetrics.fromLabels(labels, preds, 6);
        JsonNode pool = json.get("pool_truth");
        assertEquals(12, pool.get("rows").asLong());
        assertEquals(expected.waf(), pool.get("waf").asDouble(), 1e-12);
        assertEquals(expected.accuracy(), pool.get("accuracy").asDouble(), 1e-12);
    }

    @Test
    @Order(3)
    void completedRoundIsANoOpAndRoundsCannotSkip() throws Exception {
        Path metrics = Path.of(ctx.layout().metrics(1));
        var before = Files.getLastModifiedTime(metrics);
        new RoundRunner(ctx).run(1, false);
        assertEquals(before, Files.getLastModifiedTime(metrics));
        RoundRunner.RoundOrderException e = assertThrows(RoundRunner.RoundOrderException.class,
                () -> new RoundRunner(ctx).run(3, false));
        assertTrue(e.getMessage().contains("round 2 is not complete"), e.getMessage());
    }

    @Test
    @Order(4)
    void roundTwoTrainsOnPseudoLabelsAndResumesAfterACrash() throws Exception {
        long accepted = spark.read().parquet(ctx.layout().pseudo(1)).count();
        assertEquals(12, accepted, "threshold 0 accepts the whole unlabeled pool");
        new RoundRunner(ctx).run(2, false);
        JsonNode json = new ObjectMapper().readTree(Files.readString(Path.of(ctx.layout().metrics(2))));
        assertEquals(18 + accepted, json.get("n_train").asLong());
        assertEquals(accepted, json.get("n_pseudo_used").asLong());
        // pseudo-labels train but never validate: the out-of-fold confusion counts the 18 gold rows only
        assertEquals(18, json.get("n_gold").asLong());
        JsonNode oof = new ObjectMapper().readTree(Path.of(ctx.layout().model(2), "validation_confusion.json").toFile());
        long counted = 0;
        for (JsonNode row : oof.get("matrix")) {
            for (JsonNode c : row) {
                counted += c.asLong();
            }
        }
        assertEquals(18, counted);
        JsonNode round1 = new ObjectMapper().readTree(Files.readString(Path.of(ctx.layout().metrics(1))));
        assertEquals(round1.get("cv_waf").asDouble(), json.get("previous_cv_waf").asDouble());
        assertEquals(json.get("cv_waf").asDouble() < round1.get("cv_waf").asDouble(), json.get("regressed").asBoolean());
        assertEquals(accepted, json.get("pseudo_hygiene").get("accepted_by_previous_round").asLong());
        assertEquals(0, json.get("pseudo_hygiene").get("dropped_not_in_unlabeled_split").asLong());

        // A crash after scoring: the later stages' outputs are gone; a rerun finishes from there.
        List<Row> scoresBefore = spark.read().parquet(ctx.layout().scores(2)).orderBy("sample_id").collectAsList();
        ctx.storage().delete(ctx.layout().pseudo(2));
        ctx.storage().delete(ctx.layout().success(2));
        ctx.storage().delete(ctx.layout().metrics(2));
        var modelTime = Files.getLastModifiedTime(Path.of(ctx.layout().model(2)));
        new RoundRunner(ctx).run(2, false);
        assertEquals(modelTime, Files.getLastModifiedTime(Path.of(ctx.layout().model(2))), "model must not be retrained");
        assertEquals(scoresBefore, spark.read().parquet(ctx.layout().scores(2)).orderBy("sample_id").collectAsList());
        JsonNode again = new ObjectMapper().readTree(Files.readString(Path.of(ctx.layout().metrics(2))));
        assertEquals(json.get("waf").asDouble(), again.get("waf").asDouble(), 1e-12);
        assertEquals(json.get("n_pseudo").asLong(), again.get("n_pseudo").asLong());
    }
}
