package io.merspark.features;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;
import java.util.List;

/**
 * Decodes the feature columns of a wide row ({@code sample_id}, a pooled column per modality, the token columns
 * {@link TokenFeatures#tokensColumn} and a group column when asked for) straight from Spark's internal rows. An
 * internal array hands over its floats in one copy; going through {@link Row} first builds a Scala sequence of boxed
 * floats for every vector (~17 000 floats per clip with tokens): four times the decoding time, a quarter of the Java
 * samples of a scoring task at a 10⁵-clip pool and most of the group statistics pass (README, "Where a scoring task's
 * time goes"). Column positions are resolved once, on the driver.
 */
public final class WideRowReader implements Serializable {

    private final int sampleId;
    private final int[] pooled;
    private final int[] tokens;
    private final int group;

    private WideRowReader(int sampleId, int[] pooled, int[] tokens, int group) {
        this.sampleId = sampleId;
        this.pooled = pooled;
        this.tokens = tokens;
        this.group = group;
    }

    /**
     * A reader of {@code schema}'s columns for {@code modalities}; token columns with {@code withTokens}, the group
     * from {@code groupColumn} (null: none). A column the schema lacks fails here, before any task.
     */
    public static WideRowReader of(StructType schema, List<String> modalities, boolean withTokens, String groupColumn) {
        int[] pooled = modalities.stream().mapToInt(schema::fieldIndex).toArray();
        int[] tokens = withTokens
                ? modalities.stream().mapToInt(m -> schema.fieldIndex(TokenFeatures.tokensColumn(m))).toArray()
                : null;
        return new WideRowReader(schema.fieldIndex("sample_id"), pooled, tokens,
                groupColumn == null ? -1 : schema.fieldIndex(groupColumn));
    }

    /** The internal rows of {@code rows}' query, in its partitions: the same plan, without the conversion to Row. */
    public static JavaRDD<InternalRow> internalRows(Dataset<Row> rows) {
        return rows.queryExecution().toRdd().toJavaRDD();
    }

    public String sampleId(InternalRow r) {
        return r.getUTF8String(sampleId).toString();
    }

    /** The row's group; null where the row has none or the reader reads no group. */
    public String group(InternalRow r) {
        return group < 0 || r.isNullAt(group) ? null : r.getUTF8String(group).toString();
    }

    /** Pooled vectors in modality order; a missing modality stays null. */
    public float[][] pooled(InternalRow r) {
        float[][] out = new float[pooled.length][];
        for (int m = 0; m < pooled.length; m++) {
            if (!r.isNullAt(pooled[m])) {
                out[m] = r.getArray(pooled[m]).toFloatArray();
            }
        }
        return out;
    }

    /** Token sequences in modality order, null where the column is null or empty (as {@link TokenFeatures#tokenColumns}). */
    public float[][][] tokens(InternalRow r) {
        if (tokens == null) {
            throw new IllegalStateException("this reader reads no token columns");
        }
        float[][][] out = new float[tokens.length][][];
        for (int m = 0; m < tokens.length; m++) {
            if (!r.isNullAt(tokens[m])) {
                float[][] seq = floats(r.getArray(tokens[m]));
                out[m] = seq.length == 0 ? null : seq;
            }
        }
        return out;
    }

    /** An {@code array<array<float>>} value as float vectors. */
    public static float[][] floats(ArrayData outer) {
        float[][] seq = new float[outer.numElements()][];
        for (int t = 0; t < seq.length; t++) {
            seq[t] = outer.getArray(t).toFloatArray();
        }
        return seq;
    }
}
