package io.merspark.pipeline;

import io.merspark.select.FreeMatchState;
import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/** The select stage reads its strategy from config, and FreeMatch carries its state from round to round. */
@ExtendWith(SparkTestSession.class)
class SelectStageTest {

    /** Two rows per class: one confident (0.9), one not (0.3); one member, the ensemble itself. */
    private static void writeScores(SparkSession spark, JobContext ctx, int round) {
        writeTwoMemberScores(spark, ctx, round, -1);
    }

    /**
     * As {@link #writeScores}, with two members: on the confident rows of the first {@code disagreeing} classes the
     * second member predicts the next class instead; {@code disagreeing < 0} gives the single member.
     */
    private static void writeTwoMemberScores(SparkSession spark, JobContext ctx, int round, int disagreeing) {
        List<Row> rows = new ArrayList<>();
        for (int c = 0; c < 6; c++) {
            for (float conf : new float[] {0.9f, 0.3f}) {
                float[] p = new float[6];
                java.util.Arrays.fill(p, (1 - conf) / 5);
                p[c] = conf;
                float[] other = p.clone();
                if (conf > 0.5 && c < disagreeing) {
                    other[c] = p[(c + 1) % 6];
                    other[(c + 1) % 6] = conf;
                }
                List<scala.collection.immutable.List<Float>> members = disagreeing < 0 ? List.of(seq(p))
                        : List.of(seq(p), seq(other));
                rows.add(RowFactory.create("s" + c + "_" + (conf > 0.5 ? "hi" : "lo"), seq(p),
                        scala.jdk.javaapi.CollectionConverters.asScala(members).toList(),
                        c, conf, conf - (1 - conf) / 5, 1.0f));
            }
        }
        spark.createDataFrame(rows, io.merspark.score.EnsembleScorer.SCHEMA).write().parquet(ctx.layout().scores(round));
    }

    private static scala.collection.immutable.List<Float> seq(float[] p) {
        List<Float> out = new ArrayList<>();
        for (float x : p) {
            out.add(x);
        }
        return scala.jdk.javaapi.CollectionConverters.asScala(out).toList();
    }

    /** A manifest of gold train rows only, {@code counts[c]} of class c: the prior topk and the guard read. */
    private static void writeManifest(SparkSession spark, JobContext ctx, int... counts) {
        List<Row> rows = new ArrayList<>();
        String[] classes = {"neutral", "angry", "happy", "sad", "worried", "surprise"};
        for (int c = 0; c < counts.length; c++) {
            for (int i = 0; i < counts[c]; i++) {
                rows.add(RowFactory.create("t" + c + "_" + i, "train", classes[c]));
            }
        }
        spark.createDataFrame(rows, new org.apache.spark.sql.types.StructType()
                        .add("sample_id", "string").add("split", "string").add("label", "string"))
                .write().parquet(ctx.layout().manifest());
    }

    private static Set<String> accepted(SparkSession spark, JobContext ctx, int round) {
        return spark.read().parquet(ctx.layout().pseudo(round)).collectAsList().stream()
                .map(r -> r.getString(0)).collect(Collectors.toSet());
    }

    @Test
    void fixedThresholdWithQuota(SparkSession spark, @TempDir Path root) throws Exception {
        JobContext ctx = JobContext.of(spark, RoundPipelineTest.settings(root, "select.threshold=0.25",
                "select.max-per-class=1"));
        writeManifest(spark, ctx, 2, 2, 2, 2, 2, 2);
        writeScores(spark, ctx, 1);
        assertEquals(6, new RoundStages(ctx).select(1));
        assertTrue(accepted(spark, ctx, 1).stream().allMatch(id -> id.endsWith("_hi")));
        assertTrue(Files.isDirectory(Path.of(ctx.layout().selector(1))));
        var used = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(Path.of(ctx.layout().round(1), "selection.json").toFile());
        assertEquals("fixed+quota", used.get("strategy").asText());
        assertEquals(0.25, used.get("thresholds").get("worried").asDouble(), 1e-12);
        assertEquals("ok", used.get("health").get("status").asText());
    }

    @Test
    void topKTakesThePriorShareOfTheBudget(SparkSession spark, @TempDir Path root) throws Exception {
        JobContext ctx = JobContext.of(spark, RoundPipelineTest.settings(root, "select.strategy=topk",
                "select.budget=0.5"));
        writeManifest(spark, ctx, 2, 2, 2, 2, 2, 2);
        writeScores(spark, ctx, 1);
        // 0.5 of 12 rows, uniform prior: one per class, the 0.3 rows are below the 0.5 floor
        assertEquals(6, new RoundStages(ctx).select(1));
        assertTrue(accepted(spark, ctx, 1).stream().allMatch(id -> id.endsWith("_hi")));
        var used = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(Path.of(ctx.layout().round(1), "selection.json").toFile());
        assertEquals("topk", used.get("strategy").asText());
        assertEquals(1, used.get("topk").get("quotas").get("sad").asLong());
        assertEquals(0.5, used.get("thresholds").get("sad").asDouble(), 1e-12);
    }

    @Test
    void topKWithGroupBalanceTakesEverySpeakersBestBeforeAnySpeakersSecond(SparkSession spark, @TempDir Path root)
            throws Exception {
        // the pool: four neutral guesses, two by speaker A (0.95, 0.9), one by B (0.6), one by C (0.55); eight
        // rows of the other classes below the floor. Budget 1 of 12 rows, uniform prior: neutral's quota is 2.
        String[] speakers = {"A", "A", "B", "C"};
        float[] neutral = {0.95f, 0.9f, 0.6f, 0.55f};
        List<Row> scores = new ArrayList<>();
        List<Row> manifest = new ArrayList<>();
        String[] classes = {"neutral", "angry", "happy", "sad", "worried", "surprise"};
        for (int c = 0; c < 6; c++) {
            for (int i = 0; i < 2; i++) {
                manifest.add(RowFactory.create("t" + c + "_" + i, "train", classes[c], "T"));
            }
        }
        for (int i = 0; i < 12; i++) {
            int c = i < 4 ? 0 : 1 + (i - 4) % 5;
            float conf = i < 4 ? neutral[i] : 0.3f;
            float[] p = new float[6];
            java.util.Arrays.fill(p, (1 - conf) / 5);
            p[c] = conf;
            scores.add(RowFactory.create("u" + i, seq(p), scala.jdk.javaapi.CollectionConverters.asScala(
                    List.of(seq(p))).toList(), c, conf, conf - (1 - conf) / 5, 1.0f));
            manifest.add(RowFactory.create("u" + i, "unlabeled", null, i < 4 ? speakers[i] : "D"));
        }
        java.util.function.Function<Boolean, Set<String>> run = byGroup -> {
            Path dir = root.resolve(byGroup ? "by-group" : "by-confidence");
            JobContext ctx = JobContext.of(spark, RoundPipelineTest.settings(dir, "select.strategy=topk",
                    "select.budget=1.0", "select.collapse-guard=false", "select.group-balance=" + byGroup));
            spark.createDataFrame(manifest, new org.apache.spark.sql.types.StructType().add("sample_id", "string")
                    .add("split", "string").add("label", "string").add("group", "string"))
                    .write().parquet(ctx.layout().manifest());
            spark.createDataFrame(scores, io.merspark.score.EnsembleScorer.SCHEMA).write()
                    .parquet(ctx.layout().scores(1));
            assertEquals(2, new RoundStages(ctx).select(1));
            return accepted(spark, ctx, 1);
        };
        assertEquals(Set.of("u0", "u1"), run.apply(false));
        // A's best, then B's (more confident than C's); A's second waits for the next turn
        assertEquals(Set.of("u0", "u2"), run.apply(true));
        var used = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(root.resolve("by-group").resolve("rounds/round=1/selection.json").toFile());
        assertTrue(used.get("topk").get("by_group").asBoolean());
    }

    @Test
    void aCollapseAgainstTheGoldPriorIsRebalancedAndRecorded(SparkSession spark, @TempDir Path root)
            throws Exception {
        // prior neutral 0.7, the others 0.06: every other class's 2 of 12 accepted (0.167) is above 0.12
        JobContext ctx = JobContext.of(spark, RoundPipelineTest.settings(root, "select.threshold=0.25"));
        writeManifest(spark, ctx, 35, 3, 3, 3, 3, 3);
        writeScores(spark, ctx, 1);

        // caps: T = 12 -> neutral 2, others 1, T = 7 -> others 0, T = 2 -> stable
        assertEquals(2, new RoundStages(ctx).select(1));
        assertEquals(Set.of("s0_hi", "s0_lo"), accepted(spark, ctx, 1));
        var health = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(Path.of(ctx.layout().round(1), "selection.json").toFile()).get("health");
        assertEquals("rebalanced", health.get("status").asText());
        assertEquals(5, health.get("collapsed_classes").size());
        assertEquals(2, health.get("dropped").get("worried").asLong());
        assertEquals(0.7, health.get("prior").get("neutral").asDouble(), 1e-12);
        assertEquals(1.0, health.get("shares").get("neutral").asDouble(), 1e-12);

        JobContext off = JobContext.of(spark, RoundPipelineTest.settings(root.resolve("off"), "select.threshold=0.25",
                "select.collapse-guard=false"));
        writeManifest(spark, off, 35, 3, 3, 3, 3, 3);
        writeScores(spark, off, 1);
        assertEquals(12, new RoundStages(off).select(1));
        assertEquals("collapsed", new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(Path.of(off.layout().round(1), "selection.json").toFile())
                .get("health").get("status").asText());
    }

    @Test
    void risingMemberDisagreementKeepsOnlyUnanimousLabels(SparkSession spark, @TempDir Path root) throws Exception {
        JobContext ctx = JobContext.of(spark, RoundPipelineTest.settings(root, "select.threshold=0.25"));
        writeManifest(spark, ctx, 2, 2, 2, 2, 2, 2);
        writeTwoMemberScores(spark, ctx, 1, 0);
        RoundStages stages = new RoundStages(ctx);
        assertEquals(12, stages.select(1));
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var first = mapper.readTree(Path.of(ctx.layout().round(1), "selection.json").toFile()).get("health");
        assertEquals(0.0, first.get("member_disagreement").get("pool").asDouble(), 0);
        assertFalse(first.get("member_disagreement").get("rising").asBoolean());

        // round 2: members disagree on the 6 confident rows of 12 (0.5, up from 0; 2.8 standard errors): those 6
        // are not accepted
        writeTwoMemberScores(spark, ctx, 2, 6);
        assertEquals(6, stages.select(2));
        assertEquals(Set.of("s0_lo", "s1_lo", "s2_lo", "s3_lo", "s4_lo", "s5_lo"), accepted(spark, ctx, 2));
        var second = mapper.readTree(Path.of(ctx.layout().round(2), "selection.json").toFile()).get("health");
        assertEquals("rebalanced", second.get("status").asText());
        assertEquals(0.5, second.get("member_disagreement").get("pool").asDouble(), 1e-12);
        assertEquals(12, second.get("member_disagreement").get("pool_rows").asLong());
        assertEquals(0.0, second.get("member_disagreement").get("previous_pool").asDouble(), 0);
        assertTrue(second.get("member_disagreement").get("rising").asBoolean());
        assertEquals(6, second.get("member_disagreement").get("dropped_disagreeing").asLong());
    }

    @Test
    void freeMatchStateIsCarriedToTheNextRound(SparkSession spark, @TempDir Path root) throws Exception {
        JobContext ctx = JobContext.of(spark, RoundPipelineTest.settings(root, "select.strategy=freematch"));
        writeManifest(spark, ctx, 2, 2, 2, 2, 2, 2);
        writeScores(spark, ctx, 1);
        writeScores(spark, ctx, 2);
        RoundStages stages = new RoundStages(ctx);
        stages.select(1);
        Path state1 = Path.of(ctx.layout().round(1), "freematch_state.json");
        FreeMatchState s1 = FreeMatchState.fromJson(Files.readString(state1));
        // From the initial 1/C with momentum 0.5: τ = 0.5 * 1/6 + 0.5 * mean confidence (0.6).
        assertEquals(0.5 / 6 + 0.5 * 0.6, s1.globalThreshold(), 1e-6);
        stages.select(2);
        FreeMatchState s2 = FreeMatchState.fromJson(Files.readString(Path.of(ctx.layout().round(2), "freematch_state.json")));
        assertEquals(0.5 * s1.globalThreshold() + 0.5 * 0.6, s2.globalThreshold(), 1e-6);
        assertEquals(Set.of("s0_hi", "s1_hi", "s2_hi", "s3_hi", "s4_hi", "s5_hi"), accepted(spark, ctx, 2));
    }
}
