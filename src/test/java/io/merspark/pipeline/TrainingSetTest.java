package io.merspark.pipeline;

import io.merspark.testing.SparkTestSession;
import io.merspark.testing.TestSettings;
import io.merspark.train.FoldPlan;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/** Pseudo-label hygiene: round r trains on gold + round r−1's still-valid pseudo-labels; gold always wins. */
@ExtendWith(SparkTestSession.class)
class TrainingSetTest {

    @Test
    void roundThreeKeepsOnlyRoundTwosPseudoLabelsOnUnlabeledClips(SparkSession spark, @TempDir Path dir) {
        JobContext ctx = JobContext.of(spark, TestSettings.load(null, "root=\"" + dir + "\"", "extract.modalities=[audio]", "train.model=audio"));
        // g1, g2 gold (actors A, B); u1..u4 unlabeled; "moved" was unlabeled in round 2 and is train now; "gone" left
        spark.sql("SELECT * FROM VALUES "
                + "('g1','train','happy',CAST(NULL AS STRING),CAST(NULL AS STRING),'t','A'),"
                + "('g2','train','sad',NULL,NULL,'t','B'),"
                + "('moved','train','angry',NULL,NULL,'t','C'),"
                + "('u1','unlabeled',NULL,NULL,NULL,'t',NULL),"
                + "('u2','unlabeled',NULL,NULL,NULL,'t',NULL),"
                + "('u3','unlabeled',NULL,NULL,NULL,'t',NULL),"
                + "('x1','test','happy',NULL,NULL,'t','D')"
                + " AS m(sample_id, split, label, video, audio, text, group)")
                .write().parquet(ctx.layout().manifest());
        spark.sql("SELECT sample_id, 'enc' AS encoder, array(CAST(1.0 AS FLOAT), CAST(2.0 AS FLOAT)) AS pooled,"
                        + " CAST(NULL AS ARRAY<ARRAY<FLOAT>>) AS tokens, 'audio' AS modality FROM VALUES "
                        + "('g1'),('g2'),('moved'),('u1'),('u2'),('u3'),('x1'),('gone') AS f(sample_id)")
                .write().partitionBy("modality").parquet(ctx.layout().features());
        // round 1 accepted u1 and u3; round 2 re-selected from the whole pool: u2, u3 (relabelled), moved, gone
        spark.sql("SELECT * FROM VALUES ('u1','happy',0.99,1.0,'fixed',1), ('u3','sad',0.97,1.0,'fixed',1)"
                + " AS p(sample_id, label, confidence, weight, strategy, round)").write().parquet(ctx.layout().pseudo(1));
        spark.sql("SELECT * FROM VALUES ('u2','happy',0.98,0.5,'fixed',2), ('u3','worried',0.96,1.0,'fixed',2),"
                + " ('moved','happy',0.99,1.0,'fixed',2), ('gone','sad',0.99,1.0,'fixed',2)"
                + " AS p(sample_id, label, confidence, weight, strategy, round)").write().parquet(ctx.layout().pseudo(2));

        List<Row> rows = TrainingSet.rows(ctx, 3).collectAsList();
        Map<String, String> labelOf = new TreeMap<>();
        Map<String, Integer> roundOf = new TreeMap<>();
        for (Row r : rows) {
            labelOf.put(r.getAs("sample_id"), r.getAs("label"));
            roundOf.put(r.getAs("sample_id"), r.getAs("from_round"));
        }
        // u1 (revoked by round 2), gone (not in the manifest) and x1 (test) are out; moved keeps its gold label
        assertEquals(Map.of("g1", "happy", "g2", "sad", "moved", "angry", "u2", "happy", "u3", "worried"), labelOf);
        assertEquals(Map.of("g1", 0, "g2", 0, "moved", 0, "u2", 2, "u3", 2), roundOf);
        assertEquals(new TrainingSet.PseudoHygiene(4, 2), TrainingSet.hygiene(ctx, 3));

        FoldPlan plan = TrainingSet.foldPlan(TrainingSet.rows(ctx, 3), null);
        // sample_id order: g1, g2, moved, u2, u3
        assertArrayEquals(new boolean[] {true, true, true, false, false}, plan.gold());
        assertArrayEquals(new String[] {"A", "B", "C", null, null}, plan.groups());
        assertEquals(3, plan.goldCount());
    }
}
