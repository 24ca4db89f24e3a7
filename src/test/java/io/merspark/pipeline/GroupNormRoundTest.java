package io.merspark.pipeline;

import io.merspark.testing.SparkTestSession;
import io.merspark.testing.TestSettings;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code mer.train.group-norm}: the train stage computes and saves the round's group statistics, trains on
 * features standardised by each clip's manifest group (pseudo-labelled clips too), records it in train.json, and
 * the round's score and evaluate read their splits standardised the same way; off, or without groups, nothing.
 */
@ExtendWith(SparkTestSession.class)
class GroupNormRoundTest {

    private static JobContext root(SparkSession spark, Path dir, boolean groups, String... extra) {
        String[] o = new String[extra.length + 7];
        o[0] = "root=\"" + dir + "\"";
        o[1] = "extract.modalities=[audio]";
        o[2] = "train.model=logreg";
        o[3] = "train.folds=2";
        o[4] = "train.logreg.reg-params=[0.1]";
        o[5] = "train.group-norm-min-clips=2";
        o[6] = "train.logreg.max-iter=20";
        System.arraycopy(extra, 0, o, 7, extra.length);
        JobContext ctx = JobContext.of(spark, TestSettings.load(null, o));
        // group A: train a1..a6 and pool a7; group B: train b1..b6 and test b7; pool u1 without a group
        StringBuilder rows = new StringBuilder();
        String[] classes = {"neutral", "angry", "happy", "sad", "worried", "surprise"};
        for (int i = 1; i <= 6; i++) {
            rows.append("('a").append(i).append("','train','").append(classes[i - 1]).append("',")
                    .append(groups ? "'A'" : "NULL").append("),");
            rows.append("('b").append(i).append("','train','").append(classes[i - 1]).append("',")
                    .append(groups ? "'B'" : "NULL").append("),");
        }
        rows.append("('a7','unlabeled',NULL,").append(groups ? "'A'" : "NULL").append("),")
                .append("('b7','test','happy',").append(groups ? "'B'" : "NULL").append("),")
                .append("('u1','unlabeled',NULL,NULL)");
        spark.sql("SELECT sample_id, split, label, CAST(NULL AS STRING) AS video, CAST(NULL AS STRING) AS audio,"
                        + " 't' AS text, CAST(g AS STRING) AS group FROM VALUES " + rows + " AS m(sample_id, split, label, g)")
                .write().parquet(ctx.layout().manifest());
        // audio pooled [i, 10 + i] in group A and [100 + 2i, 50] in group B: B sits far from A and is constant
        // in its second dimension
        StringBuilder f = new StringBuilder();
        for (int i = 1; i <= 7; i++) {
            f.append("('a").append(i).append("','").append(i == 7 ? "unlabeled" : "train").append("',array(")
                    .append(i).append("F,").append(10 + i).append("F)),");
            f.append("('b").append(i).append("','").append(i == 7 ? "test" : "train").append("',array(")
                    .append(100 + 2 * i).append("F,50F)),");
        }
        f.append("('u1','unlabeled',array(60F,30F))");
        spark.sql("SELECT sample_id, 'enc' AS encoder, pooled, CAST(NULL AS ARRAY<ARRAY<FLOAT>>) AS tokens,"
                        + " 'audio' AS modality, split FROM VALUES " + f + " AS f(sample_id, split, pooled)")
                .write().partitionBy("modality", "split").parquet(ctx.layout().features());
        return ctx;
    }

    @Test
    void aRoundTrainsAndScoresOnFeaturesStandardisedByGroup(SparkSession spark, @TempDir Path dir) throws Exception {
        JobContext ctx = root(spark, dir, true);
        RoundStages stages = new RoundStages(ctx);
        Map<String, Object> info = stages.train(1);
        Map<String, Object> norm = groupNorm(info);
        assertEquals(Map.of("by", "group", "min_clips", 2L, "groups", 2L, "statistics_from_round", 1L),
                Map.of("by", norm.get("by"), "min_clips", norm.get("min_clips"), "groups", norm.get("groups"),
                        "statistics_from_round", norm.get("statistics_from_round")));
        // the first pass takes every clip's sums (15 clips of one modality) and keeps them for the next nights
        assertEquals(Map.of("mode", "full", "rows", 15L, "rows_added", 15L, "rows_removed", 0L),
                withoutFiles(norm.get("sums")));
        // per group (A, B) and over all 15 clips
        assertEquals(3, spark.read().parquet(ctx.layout().groupStats(1)).count());

        // what the round's score and evaluate read: a7 by A (mean of a1..a7 = [4, 14], sd 2), b7 by B (mean
        // [108, 50], sd [4, 1]: a constant dimension is centred, not scaled), u1 by all clips
        Map<String, List<Float>> pool = pooled(stages.split("unlabeled", stages.savedGroupNormalization(1)).collectAsList());
        Map<String, List<Float>> test = pooled(stages.split("test", stages.savedGroupNormalization(1)).collectAsList());
        assertEquals(List.of(1.5F, 1.5F), pool.get("a7"));
        assertEquals(List.of(1.5F, 0F), test.get("b7"));
        double[] all0 = {1, 2, 3, 4, 5, 6, 7, 102, 104, 106, 108, 110, 112, 114, 60};
        double[] all1 = {11, 12, 13, 14, 15, 16, 17, 50, 50, 50, 50, 50, 50, 50, 30};
        assertEquals(List.of(standardised(60, all0), standardised(30, all1)), pool.get("u1"));

        // the rows the model trained on: a1 by A, b1 by B
        Map<String, List<Float>> trained = pooled(TrainingSet.rows(ctx, 1, false, stages.savedGroupNormalization(1))
                .collectAsList());
        assertEquals(List.of(-1.5F, -1.5F), trained.get("a1"));
        assertEquals(List.of(-1.5F, 0F), trained.get("b1"));
        assertEquals(12, trained.size());

        stages.score(1);
        assertEquals(2, spark.read().parquet(ctx.layout().scores(1)).count());

        // the next round of the same night: features and groups unchanged, so round 1's statistics are kept
        assertEquals(1L, groupNorm(stages.train(2)).get("statistics_from_round"));
        assertEquals(3, spark.read().parquet(ctx.layout().groupStats(2)).count());
        // a clip appended to the features table (group A: a8 = [8, 18]) makes the next round take them again
        spark.sql("SELECT 'a8' AS sample_id, 'enc' AS encoder, array(8F, 18F) AS pooled,"
                        + " CAST(NULL AS ARRAY<ARRAY<FLOAT>>) AS tokens, 'audio' AS modality, 'unlabeled' AS split")
                .write().mode("append").partitionBy("modality", "split").parquet(ctx.layout().features());
        spark.sql("SELECT 'a8' AS sample_id, 'unlabeled' AS split, CAST(NULL AS STRING) AS label,"
                        + " CAST(NULL AS STRING) AS video, CAST(NULL AS STRING) AS audio, 't' AS text, 'A' AS group")
                .write().mode("append").parquet(ctx.layout().manifest());
        Map<String, Object> third = groupNorm(stages.train(3));
        assertEquals(3L, third.get("statistics_from_round"));
        // ... by adding the appended clip's sums to the kept ones: one file decoded, not the table
        assertEquals(Map.of("mode", "incremental", "rows", 16L, "rows_added", 1L, "rows_removed", 0L,
                "files_read", 1L), longs(third.get("sums")));
        Row a = spark.read().parquet(ctx.layout().groupStats(3)).where("group = 'A'").first();
        assertEquals(8L, a.<Long>getAs("clips"));
        assertEquals(List.of(4.5F, 14.5F), a.getList(a.fieldIndex("pooled_mean")));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> withoutFiles(Object sums) {
        Map<String, Object> m = longs(sums);
        assertTrue(((Number) m.remove("files_read")).longValue() > 0);
        return m;
    }

    /** A JSON object's numbers as longs (read back, small ones are ints). */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> longs(Object json) {
        Map<String, Object> m = new java.util.HashMap<>();
        ((Map<String, Object>) json).forEach((k, v) -> m.put(k, v instanceof Number n ? (Object) n.longValue() : v));
        return m;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> groupNorm(Map<String, Object> info) {
        return (Map<String, Object>) info.get("group_norm");
    }

    @Test
    void offOrWithoutGroupsTheFeaturesAreReadAsExtracted(SparkSession spark, @TempDir Path dir) {
        for (JobContext ctx : List.of(root(spark, dir.resolve("off"), true, "train.group-norm=none"),
                root(spark, dir.resolve("nogroups"), false))) {
            RoundStages stages = new RoundStages(ctx);
            Map<String, Object> info = stages.train(1);
            assertFalse(info.containsKey("group_norm"), info.toString());
            assertFalse(Files.exists(Path.of(ctx.layout().groupStats(1))));
            assertTrue(stages.savedGroupNormalization(1).isEmpty());
            assertEquals(List.of(7F, 17F), pooled(stages.split("unlabeled", stages.savedGroupNormalization(1))
                    .collectAsList()).get("a7"));
        }
    }

    private static float standardised(double x, double[] values) {
        double mean = 0;
        for (double v : values) {
            mean += v;
        }
        mean /= values.length;
        double sq = 0;
        for (double v : values) {
            sq += v * v;
        }
        float sd = (float) Math.sqrt(sq / values.length - mean * mean);
        return (float) (((float) x - (float) mean) / (double) sd);
    }

    private static Map<String, List<Float>> pooled(List<Row> rows) {
        Map<String, List<Float>> out = new TreeMap<>();
        for (Row r : rows) {
            out.put(r.getAs("sample_id"), r.getList(r.fieldIndex("audio")));
        }
        return out;
    }
}
