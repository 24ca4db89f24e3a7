package io.merspark.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two rounds of mer.train.model=logreg on tiny/: trained, scored, selected and evaluated through the real stages. */
@Tag("slow")
class LogRegRoundTest {

    @Test
    void twoLogisticRegressionRoundsProducePredictionsAndMetrics(@TempDir Path root) throws Exception {
        SparkSession spark = SparkTestSession.get();
        JobContext ctx = JobContext.of(spark, RoundPipelineTest.settings(root, "train.model=logreg",
                "train.logreg.reg-params=[0.1]", "train.logreg.elastic-net-params=[0.0]", "train.logreg.max-iter=20"));
        IngestStage.run(ctx, ctx.settings().manifest());
        ExtractStage.run(ctx);
        List<java.util.Map<String, Object>> rounds = new RoundRunner(ctx).selftrain(2, false);
        assertEquals(2, rounds.size());

        ObjectMapper json = new ObjectMapper();
        JsonNode m1 = json.readTree(Files.readString(Path.of(ctx.layout().metrics(1))));
        assertEquals("logreg", m1.get("model").asText());
        assertEquals(18, m1.get("n_train").asLong());
        assertEquals(18, m1.get("n_gold").asLong());
        assertEquals(6, m1.get("n_test").asLong());
        // one grid point keeps the test short (every L-BFGS iteration is a Spark job)
        assertEquals(1, m1.get("logreg").get("grid").size());
        assertEquals(0.1, m1.get("logreg").get("reg_param").asDouble(), 0);
        assertEquals(m1.get("logreg").get("grid").get(0).get("cv_waf").asDouble(), m1.get("cv_waf").asDouble(), 0);
        JsonNode cal = m1.get("calibration");
        assertEquals(18, cal.get("rows").asInt()); // every gold row once, out of fold
        assertTrue(cal.get("temperature").asDouble() > 0);
        assertTrue(cal.get("nll_after").asDouble() <= cal.get("nll_before").asDouble() + 1e-12, cal.toString());
        JsonNode oof = json.readTree(Path.of(ctx.layout().model(1), "validation_confusion.json").toFile());
        long counted = 0;
        for (JsonNode row : oof.get("matrix")) {
            for (JsonNode c : row) {
                counted += c.asLong();
            }
        }
        assertEquals(18, counted);
        assertTrue(m1.get("prior").get("estimated_bbse").isObject(), m1.toString());
        assertTrue(Files.isRegularFile(Path.of(ctx.layout().model(1), "logreg.json")));

        List<Row> scores = spark.read().parquet(ctx.layout().scores(1)).collectAsList();
        assertEquals(12, scores.size());
        for (Row r : scores) {
            List<Float> probs = r.getList(r.fieldIndex("probs"));
            assertEquals(6, probs.size());
            assertEquals(1.0, probs.stream().mapToDouble(Float::doubleValue).sum(), 1e-5);
            assertEquals(1, r.getList(r.fieldIndex("member_probs")).size());
            assertEquals(probs.stream().mapToDouble(Float::doubleValue).max().orElseThrow(),
                    r.<Float>getAs("confidence"), 1e-6);
        }
        assertEquals(6, spark.read().parquet(ctx.layout().predictions(1)).count());
        assertEquals(12, m1.get("n_pseudo").asLong()); // threshold 0 accepts the whole pool

        // round 2 trains on the 18 gold rows and round 1's 12 pseudo-labels; only gold rows validate
        JsonNode m2 = json.readTree(Files.readString(Path.of(ctx.layout().metrics(2))));
        assertEquals(30, m2.get("n_train").asLong());
        assertEquals(18, m2.get("n_gold").asLong());
        assertEquals(12, m2.get("n_pseudo_used").asLong());
        assertEquals(18, m2.get("calibration").get("rows").asInt());
        assertEquals(m1.get("cv_waf").asDouble(), m2.get("previous_cv_waf").asDouble(), 0);
        assertEquals(6, spark.read().parquet(ctx.layout().predictions(2)).count());
        assertTrue(Files.exists(Path.of(ctx.layout().success(2))));
    }
}
