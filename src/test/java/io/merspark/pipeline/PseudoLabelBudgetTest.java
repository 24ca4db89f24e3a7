package io.merspark.pipeline;

import io.merspark.testing.SparkTestSession;
import io.merspark.testing.TestSettings;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The training budget: per-class shares of the accepted mix, most confident first, ties by sample_id. */
@ExtendWith(SparkTestSession.class)
class PseudoLabelBudgetTest {

    private static final List<String> CLASSES = List.of("neutral", "angry", "happy", "sad", "worried", "surprise");

    @Test
    void quotasFollowTheAcceptedMixByLargestRemainder() {
        Map<String, Long> available = counts(0, 1, 6, 3, 0, 0);
        // 5 of 10: happy 3.0, sad 1.5, angry 0.5 -> 3, 1, 0 and the last row to angry (equal remainder, earlier class)
        assertEquals(counts(0, 1, 3, 1, 0, 0), PseudoLabelBudget.quotas(available, 5));
        assertEquals(counts(0, 1, 5, 2, 0, 0), PseudoLabelBudget.quotas(available, 8));
        assertEquals(available, PseudoLabelBudget.quotas(available, 10));
        assertEquals(available, PseudoLabelBudget.quotas(available, 0), "0 = no budget");
    }

    @Test
    void keepsTheMostConfidentRowsOfEachClassWithinTheBudget(SparkSession spark) {
        Dataset<Row> pseudo = spark.sql("SELECT * FROM VALUES "
                + "('h1','happy',0.99), ('h2','happy',0.97), ('h3','happy',0.97), ('h4','happy',0.96),"
                + " ('h5','happy',0.98), ('h6','happy',0.95), ('s1','sad',0.96), ('s2','sad',0.99), ('s3','sad',0.95),"
                + " ('a1','angry',0.95) AS p(sample_id, label, confidence)");
        PseudoLabelBudget.Selection sel = PseudoLabelBudget.apply(pseudo, 5, CLASSES);
        List<String> kept = sel.kept().orderBy("sample_id").collectAsList().stream()
                .map(r -> r.getString(0)).toList();
        // happy: 0.99, 0.98, then h2 before h3 at 0.97; sad: its most confident; angry: its one row
        assertEquals(List.of("a1", "h1", "h2", "h5", "s2"), kept);
        assertEquals(10, sel.availableTotal());
        assertEquals(5, sel.usedTotal());
        Map<String, Object> json = sel.toJson();
        assertEquals(5, json.get("budget"));
        assertEquals(counts(0, 0, 3, 2, 0, 0), json.get("left_out_per_class"));
    }

    @Test
    void budgetCapsTheTrainingRows(SparkSession spark, @TempDir Path dir) {
        JobContext ctx = JobContext.of(spark, TestSettings.load(null, "root=\"" + dir + "\"",
                "extract.modalities=[audio]", "train.model=audio", "train.pseudo-budget=3"));
        spark.sql("SELECT sample_id, split, label, CAST(NULL AS STRING) AS video, CAST(NULL AS STRING) AS audio,"
                        + " 't' AS text, CAST(NULL AS STRING) AS group FROM VALUES ('g1','train','happy'),"
                        + " ('g2','train','sad'), ('u1','unlabeled',NULL), ('u2','unlabeled',NULL), ('u3','unlabeled',NULL),"
                        + " ('u4','unlabeled',NULL), ('u5','unlabeled',NULL), ('u6','unlabeled',NULL) AS m(sample_id, split, label)")
                .write().parquet(ctx.layout().manifest());
        spark.sql("SELECT sample_id, 'enc' AS encoder, array(CAST(1.0 AS FLOAT)) AS pooled,"
                        + " CAST(NULL AS ARRAY<ARRAY<FLOAT>>) AS tokens, 'audio' AS modality FROM VALUES "
                        + "('g1'),('g2'),('u1'),('u2'),('u3'),('u4'),('u5'),('u6') AS f(sample_id)")
                .write().partitionBy("modality").parquet(ctx.layout().features());
        // 4 happy + 2 sad accepted; a budget of 3 keeps 2 happy + 1 sad, the most confident
        spark.sql("SELECT *, 1.0 AS weight, 'fixed' AS strategy, 1 AS round FROM VALUES ('u1','happy',0.96),"
                        + " ('u2','happy',0.99), ('u3','happy',0.97), ('u4','happy',0.95), ('u5','sad',0.96), ('u6','sad',0.98)"
                        + " AS p(sample_id, label, confidence)").write().parquet(ctx.layout().pseudo(1));

        List<String> rows = TrainingSet.rows(ctx, 2).collectAsList().stream().map(r -> (String) r.getAs("sample_id")).toList();
        assertEquals(List.of("g1", "g2", "u2", "u3", "u6"), rows);
        Map<String, Object> json = TrainingSet.budgeted(ctx, 2).orElseThrow().toJson();
        assertEquals(6L, json.get("available"));
        assertEquals(3L, json.get("used"));
        assertEquals(counts(0, 0, 2, 1, 0, 0), json.get("left_out_per_class"));
    }

    private static Map<String, Long> counts(long... perClass) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < CLASSES.size(); i++) {
            m.put(CLASSES.get(i), perClass[i]);
        }
        return m;
    }
}
