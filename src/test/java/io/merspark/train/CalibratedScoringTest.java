package io.merspark.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.merspark.score.EnsembleCache;
import io.merspark.score.EnsembleScorer;
import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The score stage's probabilities, member probabilities and confidence are softmax(logits / T) of the saved T. */
@ExtendWith(SparkTestSession.class)
class CalibratedScoringTest {

    @Test
    void theScorerAppliesTheSavedTemperature(SparkSession spark, @TempDir Path dir) throws Exception {
        SyntheticFusionData data = SyntheticFusionData.small(5);
        List<FusionSample> rows = data.samples(12, 0.0, 77);
        Path model = dir.resolve("model");
        try (FusionEnsemble e = new FusionTrainer().train(data.samples(60, 0.0, 3),
                SyntheticFusionData.quickSpec().maxEpochs(3).build())) {
            e.save(model);
        }
        // a temperature far from the fitted one makes the check sharp
        ObjectMapper json = new ObjectMapper();
        ObjectNode manifest = (ObjectNode) json.readTree(model.resolve("ensemble.json").toFile());
        manifest.put("temperature", 4.0);
        json.writeValue(model.resolve("ensemble.json").toFile(), manifest);

        String modelDir = model.toString();
        List<Row> scored = new EnsembleScorer(modelDir, "cpu", SyntheticFusionData.MODALITIES, 5)
                .score(WideFrames.of(spark, rows)).orderBy("sample_id").collectAsList();
        try (FusionEnsemble loaded = FusionEnsemble.load(model, "cpu")) {
            assertEquals(4.0, loaded.temperature(), 0);
            List<FusionSample> ordered = rows.stream().sorted(java.util.Comparator.comparing(FusionSample::sampleId)).toList();
            float[][][] members = loaded.memberSampleLogits(ordered);
            float[][] expected = TemperatureScaling.apply(FusionEnsemble.meanLogits(members), 4.0);
            float[][] member0 = TemperatureScaling.apply(members[0], 4.0);
            for (int r = 0; r < ordered.size(); r++) {
                Row row = scored.get(r);
                assertEquals(ordered.get(r).sampleId(), row.getString(0));
                float[] probs = floats(row.getList(1));
                assertArrayEquals(expected[r], probs, 1e-6f);
                assertArrayEquals(member0[r], floats(row.getList(2).get(0)), 1e-6f);
                float max = 0;
                for (float p : expected[r]) {
                    max = Math.max(max, p);
                }
                assertEquals(max, row.<Float>getAs("confidence"), 1e-6f);
            }
        } finally {
            EnsembleCache.evict(modelDir);
        }
    }

    private static float[] floats(Object list) {
        Iterable<?> items = list instanceof scala.collection.Iterable<?> s
                ? scala.jdk.javaapi.CollectionConverters.asJava(s) : (Iterable<?>) list;
        List<Float> v = new ArrayList<>();
        for (Object o : items) {
            v.add(((Number) o).floatValue());
        }
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i);
        }
        return out;
    }
}
