package io.merspark.features;

import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

import static org.apache.spark.sql.functions.col;

/**
 * Per-group standardisation of the input features (a group is a speaker, an actor, a show: the manifest's
 * {@code group} column). Each clip's pooled vector and token vectors are standardised, per dimension, by the mean
 * and standard deviation of its own group's clips (tokens by its group's tokens), so what a speaker always does
 * (voice, face, recording) is taken out and what the clip does differently is left. The statistics read features
 * only, never labels, so a group nobody labelled (a test or pool speaker) is standardised by its own clips.
 *
 * <p>A clip without a group, or whose group has fewer than {@code minClips} clips of the modality (a standard
 * deviation over one or two clips would flatten it to zeros), is standardised by the statistics of all clips.
 * Statistics are float, so the double sums' merge order across partitions does not reach the features.
 */
public final class GroupNormalization implements Serializable {

    /** The statistics table: one row per group and modality, plus one per modality over all clips. */
    public static final StructType SCHEMA = new StructType()
            .add("all_clips", DataTypes.BooleanType, false)
            .add("group", DataTypes.StringType, true)
            .add("modality", DataTypes.StringType, false)
            .add("clips", DataTypes.LongType, false)
            .add("pooled_mean", DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add("pooled_std", DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add("tokens", DataTypes.LongType, false)
            .add("tokens_mean", DataTypes.createArrayType(DataTypes.FloatType, false), true)
            .add("tokens_std", DataTypes.createArrayType(DataTypes.FloatType, false), true);

    /** The column readers carry a row's manifest group in while they standardise it (dropped after). */
    public static final String ROW_GROUP = "_group";

    private static final double MIN_STD = 1e-6;

    private final Dataset<Row> statistics;
    private final int minClips;

    public GroupNormalization(Dataset<Row> statistics, int minClips) {
        this.statistics = statistics;
        this.minClips = minClips;
    }

    public Dataset<Row> statistics() {
        return statistics;
    }

    /**
     * The statistics of {@code features} (long feature rows: {@code sample_id}, {@code modality}, {@code pooled},
     * {@code tokens}) whose samples are in {@code groups} ({@code sample_id}, {@code group}); token statistics only
     * with {@code tokens} (the token column is not read otherwise). Sums are taken on the executors; the driver
     * sees one row per group and modality.
     */
    public static Dataset<Row> statistics(Dataset<Row> features, Dataset<Row> groups, boolean tokens) {
        List<Column> cols = new ArrayList<>(List.of(col("f.modality"), col("f.pooled"),
                col("g.group").as("group")));
        if (tokens) {
            cols.add(col("f.tokens"));
        }
        Dataset<Row> rows = features.where(col("pooled").isNotNull()).alias("f")
                .join(groups.select("sample_id", "group").alias("g"), col("f.sample_id").equalTo(col("g.sample_id")))
                .select(cols.toArray(Column[]::new));
        // internal rows: the vectors are copied out as floats, not boxed into Row sequences (WideRowReader)
        JavaPairRDD<Key, Sums> sums = WideRowReader.internalRows(rows).flatMapToPair(r -> {
            String modality = r.getUTF8String(0).toString();
            Sums s = Sums.of(r.getArray(1).toFloatArray(),
                    tokens && !r.isNullAt(3) ? WideRowReader.floats(r.getArray(3)) : null);
            String group = r.isNullAt(2) ? null : r.getUTF8String(2).toString();
            List<Tuple2<Key, Sums>> out = new ArrayList<>(2);
            out.add(new Tuple2<>(new Key(true, null, modality), s));
            if (group != null) {
                out.add(new Tuple2<>(new Key(false, group, modality), s));
            }
            return out.iterator();
        }).reduceByKey(Sums::plus);
        return features.sparkSession().createDataFrame(sums.map(t -> t._2().row(t._1())), SCHEMA);
    }

    /**
     * The statistics of {@code modalities} in memory, for standardising decoded arrays ({@link GroupStandardiser}):
     * one row per group and modality reaches the driver (groups below min-clips are left on the executors).
     */
    public GroupStandardiser standardiser(List<String> modalities) {
        List<Row> rows = statistics.where(col("all_clips").or(col("clips").geq(minClips))
                .and(col("modality").isin(modalities.toArray()))).collectAsList();
        return GroupStandardiser.of(rows, modalities);
    }

    /**
     * {@code rows} (one per sample, a pooled column per modality and with {@code tokens} a token column
     * {@code <modality>_tokens}) with those columns standardised by the group in {@code groupColumn}.
     */
    public Dataset<Row> apply(Dataset<Row> rows, String groupColumn, List<String> modalities, boolean tokens) {
        return standardiser(modalities).apply(rows, groupColumn, tokens);
    }

    /** A group's (or, with {@code all}, every clip's) statistics of one modality. */
    record Key(boolean all, String group, String modality) implements Serializable {
    }

    /** Count, sum and sum of squares of pooled vectors and of token vectors, in double. */
    static final class Sums implements Serializable {
        long clips;
        double[] sum;
        double[] sumSq;
        long tokens;
        double[] tokenSum;
        double[] tokenSumSq;

        /** One clip's sums: its pooled vector and its tokens (null: none read). */
        static Sums of(float[] pooled, float[][] tokens) {
            Sums s = new Sums();
            s.clips = 1;
            s.sum = new double[pooled.length];
            s.sumSq = new double[pooled.length];
            add(pooled, s.sum, s.sumSq);
            if (tokens != null) {
                for (float[] v : tokens) {
                    if (s.tokenSum == null) {
                        s.tokenSum = new double[v.length];
                        s.tokenSumSq = new double[v.length];
                    }
                    add(v, s.tokenSum, s.tokenSumSq);
                    s.tokens++;
                }
            }
            return s;
        }

        private static void add(float[] v, double[] sum, double[] sumSq) {
            for (int d = 0; d < sum.length; d++) {
                double x = v[d];
                sum[d] += x;
                sumSq[d] += x * x;
            }
        }

        Sums plus(Sums o) {
            Sums s = new Sums();
            s.clips = clips + o.clips;
            s.sum = add(sum, o.sum);
            s.sumSq = add(sumSq, o.sumSq);
            s.tokens = tokens + o.tokens;
            s.tokenSum = add(tokenSum, o.tokenSum);
            s.tokenSumSq = add(tokenSumSq, o.tokenSumSq);
            return s;
        }

        private static double[] add(double[] a, double[] b) {
            if (a == null) {
                return b == null ? null : b.clone();
            }
            if (b == null) {
                return a.clone();
            }
            double[] out = new double[a.length];
            for (int d = 0; d < a.length; d++) {
                out[d] = a[d] + b[d];
            }
            return out;
        }

        Row row(Key key) {
            return RowFactory.create(key.all(), key.group(), key.modality(), clips, mean(sum, clips),
                    std(sum, sumSq, clips), tokens, tokenSum == null ? null : mean(tokenSum, tokens),
                    tokenSum == null ? null : std(tokenSum, tokenSumSq, tokens));
        }

        private static float[] mean(double[] sum, long n) {
            float[] out = new float[sum.length];
            for (int d = 0; d < sum.length; d++) {
                out[d] = (float) (sum[d] / n);
            }
            return out;
        }

        /** Population standard deviation; 1 where a dimension is constant, so it is left centred, not blown up. */
        private static float[] std(double[] sum, double[] sumSq, long n) {
            float[] out = new float[sum.length];
            for (int d = 0; d < sum.length; d++) {
                double mu = sum[d] / n;
                double sd = Math.sqrt(Math.max(0, sumSq[d] / n - mu * mu));
                out[d] = (float) (sd < MIN_STD ? 1 : sd);
            }
            return out;
        }
    }

    /** Reads a saved statistics table. */
    public static GroupNormalization load(SparkSession spark, String path, int minClips) {
        return new GroupNormalization(spark.read().parquet(path), minClips);
    }
}
