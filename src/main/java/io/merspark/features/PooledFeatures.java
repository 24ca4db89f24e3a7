package io.merspark.features;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.when;

/**
 * The pooled (utterance-level) vectors of {@code features/}, one row per sample with one
 * {@code array<float>} column per modality (null where that modality failed or is absent).
 */
public final class PooledFeatures {

    private PooledFeatures() {
    }

    /** One aggregation instead of a join per modality: a single shuffle whatever the modality count. */
    public static Dataset<Row> wide(SparkSession spark, String featuresDir, List<String> modalities) {
        return wide(spark, featuresDir, modalities, null, List.of());
    }

    /**
     * The wide rows of the samples in {@code sampleIds} only (a Dataset with a {@code sample_id} column; null =
     * every sample), which are in the manifest splits {@code splits} (empty = any): only those splits' partitions
     * are read ({@link FeatureTable}) and semi-joined with the ids before the aggregation, so reading a split costs
     * that split's feature rows, not the whole table's.
     */
    public static Dataset<Row> wide(SparkSession spark, String featuresDir, List<String> modalities,
                                    Dataset<Row> sampleIds, List<String> splits) {
        Dataset<Row> features = rows(spark, featuresDir, modalities, sampleIds, splits);
        Column[] perModality = modalities.stream()
                .map(m -> first(when(col("modality").equalTo(m), col("pooled")), true).as(m))
                .toArray(Column[]::new);
        return features.groupBy("sample_id").agg(perModality[0],
                java.util.Arrays.copyOfRange(perModality, 1, perModality.length));
    }

    /** The long feature rows of {@code modalities} in {@code splits}, restricted to {@code sampleIds} when given. */
    static Dataset<Row> rows(SparkSession spark, String featuresDir, List<String> modalities, Dataset<Row> sampleIds,
                             List<String> splits) {
        Dataset<Row> features = FeatureTable.read(spark, featuresDir, modalities, splits);
        return sampleIds == null ? features
                : features.join(sampleIds.select("sample_id"), "sample_id", "left_semi");
    }

    /** Reads one sample's vectors in modality order; a missing modality stays null. */
    public static float[][] vectors(Row row, List<String> modalities) {
        float[][] out = new float[modalities.size()][];
        for (int i = 0; i < modalities.size(); i++) {
            int idx = row.fieldIndex(modalities.get(i));
            if (!row.isNullAt(idx)) {
                out[i] = floats(row.getList(idx));
            }
        }
        return out;
    }

    /** A float vector as a Row built for an encoder carries it (a Scala sequence): the inverse of {@link #floats}. */
    public static scala.collection.immutable.Seq<Float> seq(float[] v) {
        List<Float> out = new java.util.ArrayList<>(v.length);
        for (float x : v) {
            out.add(x);
        }
        return scala.jdk.javaapi.CollectionConverters.asScala(out).toList();
    }

    /** An array column's value as floats: a Java list from {@code Row.getList}, or a Scala sequence nested in a Row. */
    static float[] floats(Object value) {
        // sized up front and filled in one pass: no boxed intermediate list per vector (this runs per token)
        java.util.Collection<?> items = value instanceof scala.collection.Iterable<?> s
                ? scala.jdk.javaapi.CollectionConverters.asJavaCollection(s) : (java.util.Collection<?>) value;
        float[] v = new float[items.size()];
        int i = 0;
        for (Object o : items) {
            v[i++] = ((Number) o).floatValue();
        }
        return v;
    }
}
