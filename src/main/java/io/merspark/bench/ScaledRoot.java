package io.merspark.bench;

import io.merspark.features.FeatureTable;
import io.merspark.ingest.ManifestColumns;
import io.merspark.io.Layout;
import io.merspark.io.Storage;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;

import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;
import static org.apache.spark.sql.functions.row_number;

/**
 * A large root made from a finished one: its train and test rows, plus {@code pool} unlabeled rows that are copies of
 * its real feature rows under new sample ids ({@code pool<k>-<id>}), built by Spark joins, never collected.
 */
final class ScaledRoot {

    private ScaledRoot() {
    }

    static void build(SparkSession spark, Layout source, Layout scaled, int pool, Storage storage) {
        build(spark, source, scaled, pool, 0, storage);
    }

    /**
     * @param groups with N &gt; 0, every row gets one of N synthetic speaker groups, a hash of its own sample id, so a
     *               round pays for per-group standardisation as a grouped pool would. Not the source clip's id: the
     *               copies of one clip would make a group of identical clips, standardised to zeros.
     */
    static void build(SparkSession spark, Layout source, Layout scaled, int pool, int groups, Storage storage) {
        Dataset<Row> manifest = spark.read().parquet(source.manifest());
        Dataset<Row> copiesOf = copies(spark, source, pool, "pool");
        Dataset<Row> kept = manifest.where(col(ManifestColumns.SPLIT).notEqual(ManifestColumns.UNLABELED));
        Dataset<Row> unlabeled = copiesOf.join(manifest.withColumnRenamed("sample_id", "_source"), "_source")
                .withColumn(ManifestColumns.SPLIT, lit(ManifestColumns.UNLABELED))
                .withColumn("label", lit(null).cast("string"));
        if (groups > 0) {
            Column synthetic = syntheticGroup(groups);
            kept = kept.withColumn(ManifestColumns.GROUP, synthetic);
            unlabeled = unlabeled.withColumn(ManifestColumns.GROUP, synthetic);
        } else if (List.of(manifest.columns()).contains(ManifestColumns.GROUP)) {
            unlabeled = unlabeled.withColumn(ManifestColumns.GROUP, lit(null).cast("string"));
        }
        storage.commitParquet(kept.unionByName(unlabeled.select(kept.columns()[0],
                java.util.Arrays.copyOfRange(kept.columns(), 1, kept.columns().length))), scaled.manifest());
        // the scaled table is split-partitioned whatever the source's layout: gold rows in their split, copies in the pool
        Dataset<Row> features = spark.read().parquet(source.features()).drop(FeatureTable.SPLIT);
        Dataset<Row> keptFeatures = features.join(kept.select("sample_id", ManifestColumns.SPLIT), "sample_id");
        Dataset<Row> copied = copiesOf.join(features.withColumnRenamed("sample_id", "_source"), "_source")
                .drop("_source").withColumn(FeatureTable.SPLIT, lit(ManifestColumns.UNLABELED));
        Dataset<Row> all = keptFeatures.unionByName(copied.select(keptFeatures.columns()[0],
                java.util.Arrays.copyOfRange(keptFeatures.columns(), 1, keptFeatures.columns().length)));
        storage.commitParquet(all, scaled.features(), "modality", FeatureTable.SPLIT);
    }

    /**
     * {@code n} new ids over the source's extracted samples ({@code _source}, {@code sample_id}): copy k of the i-th
     * source sample in sample_id order is row k × distinct + i, named {@code <prefix><k>-<id>}; the first n are kept.
     */
    static Dataset<Row> copies(SparkSession spark, Layout source, long n, String prefix) {
        Dataset<Row> ids = spark.read().parquet(source.features()).select("sample_id").distinct();
        long distinct = ids.count();
        long copies = (n + distinct - 1) / distinct;
        return ids.withColumn("_i", row_number().over(Window.orderBy("sample_id")).minus(1))
                .crossJoin(spark.range(copies).withColumnRenamed("id", "_k"))
                .where(col("_k").multiply(distinct).plus(col("_i")).lt(n))
                .select(col("sample_id").as("_source"), concat(lit(prefix), col("_k").cast("string"), lit("-"),
                        col("sample_id")).as("sample_id"));
    }

    /** One of {@code groups} synthetic groups per row, a hash of its own sample id (see {@link #build}). */
    static Column syntheticGroup(int groups) {
        return concat(lit("g"), pmod(xxhash64(col("sample_id")), lit(groups)).cast("string"));
    }
}
