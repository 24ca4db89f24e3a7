package io.merspark.features;

import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
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
     * sees one row per group and modality. A round keeps these sums between nights ({@link GroupSumsLedger}).
     */
    public static Dataset<Row> statistics(Dataset<Row> features, Dataset<Row> groups, boolean tokens) {
        List<Column> cols = new ArrayList<>(List.of(col("f.modality"), col("f.pooled"),
                col("g.group").as("group")));
        if (tokens) {
            cols.add(col("f.tokens"));
        }
        Dataset<Row> rows = features.alias("f")
                .join(groups.select("sample_id", "group").alias("g"), col("f.sample_id").equalTo(col("g.sample_id")))
                .select(cols.toArray(Column[]::new));
        return statisticsOf(GroupSumsLedger.sumsOf(rows, tokens, false));
    }

    /**
     * The statistics table of a sums table ({@link FeatureSums#SCHEMA}: one row per group and modality): each
     * group's own, and per modality all clips' (those without a group included).
     */
    public static Dataset<Row> statisticsOf(Dataset<Row> sums) {
        JavaPairRDD<Key, FeatureSums> merged = sums.javaRDD().flatMapToPair(r -> {
            String group = r.isNullAt(0) ? null : r.getString(0);
            String modality = r.getString(1);
            FeatureSums s = FeatureSums.fromRow(r);
            List<Tuple2<Key, FeatureSums>> out = new ArrayList<>(2);
            out.add(new Tuple2<>(new Key(true, null, modality), s));
            if (group != null) {
                out.add(new Tuple2<>(new Key(false, group, modality), s));
            }
            return out.iterator();
        }).reduceByKey(FeatureSums::plus);
        return sums.sparkSession().createDataFrame(merged.map(t -> t._2().statistics(t._1().all(), t._1().group(),
                t._1().modality())), SCHEMA);
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

    /** A group's (or, with {@code all}, every clip's) statistics of one modality; a null group: clips without one. */
    record Key(boolean all, String group, String modality) implements Serializable {
    }

    /** Reads a saved statistics table. */
    public static GroupNormalization load(SparkSession spark, String path, int minClips) {
        return new GroupNormalization(spark.read().parquet(path), minClips);
    }
}
