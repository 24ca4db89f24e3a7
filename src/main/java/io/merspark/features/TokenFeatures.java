package io.merspark.features;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.when;

/**
 * The token sequences of {@code features/} next to the pooled vectors: one row per sample with, per modality
 * m, the pooled column {@code m} (as in {@link PooledFeatures}) and the token column {@code m_tokens}
 * ({@code array<array<float>>}, null where the modality is missing). What the Audio-Guided Transformer reads.
 */
public final class TokenFeatures {

    public static final String TOKENS_SUFFIX = "_tokens";

    private TokenFeatures() {
    }

    public static String tokensColumn(String modality) {
        return modality + TOKENS_SUFFIX;
    }

    /** One aggregation for both views, so a sample's pooled vector and tokens come from the same feature row. */
    public static Dataset<Row> wide(SparkSession spark, String featuresDir, List<String> modalities) {
        return wide(spark, featuresDir, modalities, null, List.of());
    }

    /**
     * As {@link #wide(SparkSession, String, List)} for the samples in {@code sampleIds} only, read from the
     * partitions of {@code splits} (empty = any) and semi-joined first.
     */
    public static Dataset<Row> wide(SparkSession spark, String featuresDir, List<String> modalities,
                                    Dataset<Row> sampleIds, List<String> splits) {
        return wide(PooledFeatures.rows(spark, featuresDir, modalities, sampleIds, splits), modalities);
    }

    /** Long feature rows ({@code sample_id}, {@code modality}, {@code pooled}, {@code tokens}) gathered per sample. */
    static Dataset<Row> wide(Dataset<Row> features, List<String> modalities) {
        List<Column> columns = new ArrayList<>();
        for (String m : modalities) {
            columns.add(first(when(col("modality").equalTo(m), col("pooled")), true).as(m));
            columns.add(first(when(col("modality").equalTo(m), col("tokens")), true).as(tokensColumn(m)));
        }
        return features.groupBy("sample_id").agg(columns.get(0), columns.subList(1, columns.size()).toArray(Column[]::new));
    }

    /**
     * One sample's token sequences in modality order. A modality whose feature row has no tokens but a pooled
     * vector counts as one token (the pooled vector), so rows extracted without sequences still fit; a missing
     * modality stays null.
     */
    public static float[][][] sequences(Row row, List<String> modalities) {
        return sequences(tokenColumns(row, modalities), PooledFeatures.vectors(row, modalities));
    }

    /** The token columns of one sample as decoded, in modality order: null where the column is null or empty. */
    public static float[][][] tokenColumns(Row row, List<String> modalities) {
        float[][][] out = new float[modalities.size()][][];
        for (int m = 0; m < modalities.size(); m++) {
            int idx = row.fieldIndex(tokensColumn(modalities.get(m)));
            List<Object> tokens = row.isNullAt(idx) ? List.of() : row.getList(idx);
            if (!tokens.isEmpty()) {
                out[m] = floats(tokens);
            }
        }
        return out;
    }

    /** {@code tokens} with a modality that has none but a pooled vector given that vector as its one token. */
    public static float[][][] sequences(float[][][] tokens, float[][] pooled) {
        float[][][] out = new float[pooled.length][][];
        for (int m = 0; m < pooled.length; m++) {
            if (tokens[m] != null && tokens[m].length > 0) {
                out[m] = tokens[m];
            } else if (pooled[m] != null) {
                out[m] = new float[][] {pooled[m]};
            }
        }
        return out;
    }

    /** A token column's value ({@code array<array<float>>}) as float vectors. */
    static float[][] floats(List<Object> tokens) {
        float[][] seq = new float[tokens.size()][];
        for (int t = 0; t < seq.length; t++) {
            seq[t] = PooledFeatures.floats(tokens.get(t));
        }
        return seq;
    }

    /** Width of the tokens of each modality, read from the first sample that has them (0 when none has). */
    public static int[] widths(List<float[][][]> samples, int modalities) {
        int[] dims = new int[modalities];
        for (float[][][] s : samples) {
            for (int m = 0; m < modalities; m++) {
                if (dims[m] == 0 && s[m] != null) {
                    dims[m] = s[m][0].length;
                }
            }
            if (Arrays.stream(dims).allMatch(d -> d > 0)) {
                break;
            }
        }
        return dims;
    }
}
