package io.merspark.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.merspark.features.TokenFeatures;
import io.merspark.testing.SparkTestSession;
import io.merspark.train.FusionEnsemble;
import io.merspark.train.FusionSample;
import io.merspark.train.TrainSpec;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** model = agt through the real round on tiny/: ingest → extract → train → score → select → evaluate. */
@Tag("slow")
@ExtendWith(SparkTestSession.class)
class AgtRoundTest {

    @Test
    void agtTrainsSavesReloadsAndScoresThroughTheRound(SparkSession spark, @TempDir Path root) throws Exception {
        JobContext ctx = JobContext.of(spark, RoundPipelineTest.settings(root, "train.model=agt",
                "train.max-epochs=6", "train.agt.width=32", "train.agt.heads=2"));
        IngestStage.run(ctx, ctx.settings().manifest());
        ExtractStage.run(ctx);

        Map<String, Object> m = new RoundRunner(ctx).run(1, false);
        Path modelDir = Path.of(ctx.layout().model(1));
        JsonNode ensembleJson = new ObjectMapper().readTree(modelDir.resolve("ensemble.json").toFile());
        assertEquals("agt", ensembleJson.get("spec").get("model").asText());
        assertEquals(ctx.settings().train().folds(), ensembleJson.get("members").size());
        assertTrue(Files.readString(modelDir.resolve("config.conf")).contains("model=agt"));
        JsonNode metrics = new ObjectMapper().readTree(Files.readString(Path.of(ctx.layout().metrics(1))));
        assertEquals(18, metrics.get("n_train").asLong());
        assertEquals(6, metrics.get("n_test").asLong());
        assertEquals(m.get("waf"), metrics.get("waf").asDouble());

        // Every unlabeled clip scored on the executors with finite probabilities summing to 1.
        Dataset<Row> scores = spark.read().parquet(ctx.layout().scores(1)).orderBy("sample_id");
        List<Row> scored = scores.collectAsList();
        assertEquals(12, scored.size());
        for (Row r : scored) {
            List<Float> probs = r.getList(r.fieldIndex("probs"));
            assertEquals(6, probs.size());
            assertTrue(probs.stream().allMatch(p -> Float.isFinite(p) && p >= 0));
            assertEquals(1.0, probs.stream().mapToDouble(Float::doubleValue).sum(), 1e-4);
        }

        // The saved ensemble, reloaded on the driver, gives the executors' probabilities; a clip without
        // audio (or without video and text) still gets finite probabilities.
        List<String> modalities = ctx.settings().extract().modalities();
        List<FusionSample> pool = TokenFeatures.wide(spark, ctx.layout().features(), modalities)
                .join(scores.select("sample_id"), "sample_id").orderBy("sample_id").collectAsList().stream()
                .map(r -> TrainingSet.sample(r, ctx.settings().classes(),
                        modalities, true))
                .toList();
        try (FusionEnsemble loaded = FusionEnsemble.load(modelDir, "cpu")) {
            assertEquals(TrainSpec.AGT, loaded.spec().model());
            float[][] probs = loaded.predictSampleProba(pool);
            for (int i = 0; i < pool.size(); i++) {
                float[] expected = toArray(scored.get(i).getList(scored.get(i).fieldIndex("probs")));
                assertEquals(scored.get(i).getString(0), pool.get(i).sampleId());
                assertArrayEquals(expected, probs[i], 1e-5f, pool.get(i).sampleId());
            }
            int audio = modalities.indexOf("audio");
            FusionSample full = pool.get(0);
            FusionSample noAudio = withoutModalities(full, audio);
            FusionSample audioOnly = withoutModalities(full, modalities.indexOf("video"), modalities.indexOf("text"));
            for (float[] row : loaded.predictSampleProba(List.of(noAudio, audioOnly))) {
                double sum = 0;
                for (float p : row) {
                    assertTrue(Float.isFinite(p));
                    sum += p;
                }
                assertEquals(1.0, sum, 1e-5);
            }
        }
    }

    private static FusionSample withoutModalities(FusionSample s, int... gone) {
        float[][] f = s.features().clone();
        float[][][] t = s.tokens().clone();
        for (int m : gone) {
            f[m] = null;
            t[m] = null;
        }
        return new FusionSample(s.sampleId(), f, s.label(), s.weight(), t);
    }

    private static float[] toArray(List<Float> v) {
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i);
        }
        return out;
    }
}
