package io.merspark.train;

import io.merspark.features.GroupNormalization;
import io.merspark.features.GroupStandardiser;
import io.merspark.features.TokenFeatures;
import io.merspark.score.EnsembleCache;
import io.merspark.score.EnsembleScorer;
import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The AGT scorer standardises per group on the arrays it decodes: its scores equal, to the bit, those of the same
 * ensemble on rows standardised as a table ({@link GroupNormalization#apply}), which is what the round trains on.
 */
@ExtendWith(SparkTestSession.class)
class GroupStandardisedScoringTest {

    private static final List<String> MODALITIES = SyntheticFusionData.MODALITIES;

    @Test
    void scoringStandardisesDecodedArraysAsTheTableIs(SparkSession spark, @TempDir Path dir) throws Exception {
        SyntheticTokenData data = new SyntheticTokenData(6);
        Path model = dir.resolve("model");
        try (FusionEnsemble e = new FusionTrainer().train(data.samples(48, 0.0, 1), SyntheticTokenData.agtSpec().build())) {
            e.save(model);
        }
        // groups A and B (5 clips each) have their own statistics, C (2 clips, below min-clips 3) and the clips
        // without a group take all clips'; some clips miss a modality
        List<FusionSample> clips = data.samples(14, 0.3, 9);
        String[] groups = {"A", "A", "A", "A", "A", "B", "B", "B", "B", "B", "C", "C", null, null};
        // group B sits elsewhere in every dimension, so its own statistics and all clips' differ
        for (int i = 5; i < 10; i++) {
            shift(clips.get(i), 3f);
        }
        GroupNormalization norm = new GroupNormalization(
                GroupNormalization.statistics(longRows(spark, clips), groupRows(spark, clips, groups), true), 3);
        GroupStandardiser standardiser = norm.standardiser(MODALITIES);
        assertEquals(2, standardiser.groups());

        Dataset<Row> wide = wideRows(spark, clips, groups);
        String modelDir = model.toString();
        try {
            Map<String, float[]> decoded = probs(new EnsembleScorer(modelDir, "cpu", MODALITIES, 5, true, standardiser)
                    .score(wide));
            Map<String, float[]> table = probs(new EnsembleScorer(modelDir, "cpu", MODALITIES, 5, true)
                    .score(norm.apply(wide, GroupNormalization.ROW_GROUP, MODALITIES, true)
                            .drop(GroupNormalization.ROW_GROUP)));
            Map<String, float[]> raw = probs(new EnsembleScorer(modelDir, "cpu", MODALITIES, 5, true)
                    .score(wide.drop(GroupNormalization.ROW_GROUP)));
            assertEquals(14, decoded.size());
            assertEquals(table.keySet(), decoded.keySet());
            int differFromRaw = 0;
            for (String id : decoded.keySet()) {
                assertArrayEquals(table.get(id), decoded.get(id), 0f, id);
                differFromRaw += Arrays.equals(raw.get(id), decoded.get(id)) ? 0 : 1;
            }
            assertEquals(14, differFromRaw, "every clip is scored on standardised features");
        } finally {
            EnsembleCache.evict(modelDir);
        }
    }

    @Test
    void statisticsOfOtherModalitiesThanTheModelsAreRefused(SparkSession spark) {
        List<FusionSample> clips = new SyntheticTokenData(2).samples(6, 0.0, 3);
        GroupStandardiser audioOnly = new GroupNormalization(GroupNormalization.statistics(longRows(spark, clips),
                groupRows(spark, clips, new String[6]), true), 3).standardiser(List.of("audio"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new EnsembleScorer("m", "cpu", MODALITIES, 5, true, audioOnly));
        assertTrue(e.getMessage().contains("[audio]"), e.getMessage());
    }

    private static void shift(FusionSample s, float by) {
        for (int m = 0; m < MODALITIES.size(); m++) {
            if (s.tokens()[m] != null) {
                for (float[] t : s.tokens()[m]) {
                    for (int d = 0; d < t.length; d++) {
                        t[d] += by;
                    }
                }
                for (int d = 0; d < s.features()[m].length; d++) {
                    s.features()[m][d] += by;
                }
            }
        }
    }

    private static final ArrayType VECTOR = DataTypes.createArrayType(DataTypes.FloatType);
    private static final ArrayType SEQUENCE = DataTypes.createArrayType(VECTOR);

    /** The features table's long rows: one per clip and modality present. */
    private static Dataset<Row> longRows(SparkSession spark, List<FusionSample> clips) {
        StructType schema = new StructType().add("sample_id", DataTypes.StringType).add("modality", DataTypes.StringType)
                .add("pooled", VECTOR).add("tokens", SEQUENCE);
        List<Row> rows = new ArrayList<>();
        for (FusionSample s : clips) {
            for (int m = 0; m < MODALITIES.size(); m++) {
                if (s.features()[m] != null) {
                    rows.add(RowFactory.create(s.sampleId(), MODALITIES.get(m), list(s.features()[m]),
                            list(s.tokens()[m])));
                }
            }
        }
        return spark.createDataFrame(rows, schema);
    }

    private static Dataset<Row> groupRows(SparkSession spark, List<FusionSample> clips, String[] groups) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < clips.size(); i++) {
            rows.add(RowFactory.create(clips.get(i).sampleId(), groups[i]));
        }
        return spark.createDataFrame(rows, new StructType().add("sample_id", DataTypes.StringType)
                .add("group", DataTypes.StringType));
    }

    /** What the score stage hands the scorer: pooled and token columns per modality, and the clip's group. */
    private static Dataset<Row> wideRows(SparkSession spark, List<FusionSample> clips, String[] groups) {
        StructType schema = new StructType().add("sample_id", DataTypes.StringType)
                .add(GroupNormalization.ROW_GROUP, DataTypes.StringType);
        for (String m : MODALITIES) {
            schema = schema.add(m, VECTOR).add(TokenFeatures.tokensColumn(m), SEQUENCE);
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < clips.size(); i++) {
            FusionSample s = clips.get(i);
            Object[] values = new Object[2 + 2 * MODALITIES.size()];
            values[0] = s.sampleId();
            values[1] = groups[i];
            for (int m = 0; m < MODALITIES.size(); m++) {
                values[2 + 2 * m] = s.features()[m] == null ? null : list(s.features()[m]);
                values[3 + 2 * m] = s.tokens()[m] == null ? null : list(s.tokens()[m]);
            }
            rows.add(RowFactory.create(values));
        }
        return spark.createDataFrame(rows, schema);
    }

    private static List<Float> list(float[] v) {
        List<Float> out = new ArrayList<>(v.length);
        for (float x : v) {
            out.add(x);
        }
        return out;
    }

    private static List<List<Float>> list(float[][] v) {
        if (v == null) {
            return null;
        }
        List<List<Float>> out = new ArrayList<>(v.length);
        for (float[] x : v) {
            out.add(list(x));
        }
        return out;
    }

    private static Map<String, float[]> probs(Dataset<Row> scores) {
        Map<String, float[]> out = new TreeMap<>();
        for (Row r : scores.collectAsList()) {
            List<Object> p = r.getList(1);
            float[] v = new float[p.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = ((Number) p.get(i)).floatValue();
            }
            out.put(r.getString(0), v);
        }
        return out;
    }
}
