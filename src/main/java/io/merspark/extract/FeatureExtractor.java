package io.merspark.extract;

import io.merspark.features.FeatureTable;
import io.merspark.io.ErrorKind;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

/**
 * The extract stage: shards a manifest over tasks, decodes and encodes every (sample, modality) once, and writes
 * <ul>
 *   <li>{@code featuresDir}: Parquet partitioned by {@code modality} and {@code split} ({@link FeatureTable}), columns sample_id, encoder, pooled, tokens,
 *       face_found (video with face = detect: share of sampled frames with a face; null otherwise);</li>
 *   <li>{@code errorsDir}: Parquet, columns sample_id, modality, reason, transient — one row per (sample, modality)
 *       that failed, so nothing is dropped silently; transient marks a file that could not be read at all.</li>
 * </ul>
 * The task outcomes are staged once as Parquet and both outputs are split from that, so no file is decoded twice.
 */
public final class FeatureExtractor {

    private static final Logger LOG = LoggerFactory.getLogger(FeatureExtractor.class);
    /** How often the driver logs the job's progress. */
    static final long PROGRESS_INTERVAL_MS = 10_000;

    public ExtractSummary run(SparkSession spark, Dataset<Row> manifest, ExtractSpec spec, String featuresDir,
                              String errorsDir) {
        return run(spark, manifest, spec, featuresDir, errorsDir,
                Arrays.asList(manifest.columns()).contains(FeatureTable.SPLIT));
    }

    /**
     * @param bySplit partition the features by the manifest's split under modality ({@link FeatureTable}); false
     *                writes the flat per-modality layout of tables extracted before it (what an append to one needs)
     */
    public ExtractSummary run(SparkSession spark, Dataset<Row> manifest, ExtractSpec spec, String featuresDir,
                              String errorsDir, boolean bySplit) {
        long start = System.nanoTime();
        Dataset<Row> inputs = inputs(manifest, bySplit);
        long rows = inputs.count();
        int partitions = partitions(rows, spec, spark.sparkContext().defaultParallelism());
        LongAccumulator loads = spark.sparkContext().longAccumulator("extract.modelLoads");
        LongAccumulator truncated = spark.sparkContext().longAccumulator("extract.truncatedTexts");
        LongAccumulator done = spark.sparkContext().longAccumulator("extract.rowsDone");

        // Range partitions of sample_id come out even (hash partitions of a 64-row target held 51..82 rows), and the
        // bounds are sampled deterministically, so a sample lands in the same shard on every run.
        OutcomeCounter counter = new OutcomeCounter(spark);
        Dataset<Row> outcomes = inputs
                .repartitionByRange(partitions, col("sample_id"))
                .mapPartitions(new PartitionExtractor(spec, loads, truncated, done), Encoders.row(Outcome.SCHEMA))
                .mapPartitions(counter, Encoders.row(Outcome.SCHEMA));

        String staging = stagingDir(featuresDir);
        try {
            try (Progress ignored = Progress.start("extract", done, rows, PROGRESS_INTERVAL_MS)) {
                outcomes.write().mode(SaveMode.Overwrite).parquet(staging);
            }
            Dataset<Row> staged = spark.read().parquet(staging);
            Dataset<Row> features = staged.filter(col("reason").isNull())
                    .select(col("sample_id"), col("encoder"), col("pooled"), col("tokens"), col("face_found"),
                            col("modality"), col(FeatureTable.SPLIT));
            (bySplit ? features.write().partitionBy("modality", FeatureTable.SPLIT)
                    : features.drop(FeatureTable.SPLIT).write().partitionBy("modality"))
                    .mode(SaveMode.Overwrite).parquet(featuresDir);
            staged.filter(col("reason").isNotNull())
                    .select(col("sample_id"), col("modality"), col("reason"), col(ErrorKind.COLUMN))
                    .write().mode(SaveMode.Overwrite).parquet(errorsDir);
            ExtractSummary summary = summarise(counter, spec, rows, loads.value(), truncated.value());
            LOG.info("extracted {} rows into {} partitions in {} s: {}", rows, partitions,
                    (System.nanoTime() - start) / 1_000_000_000.0, summary);
            return summary;
        } finally {
            delete(spark, staging);
        }
    }

    /** The manifest columns the tasks read; {@code audio} may be absent (audio then comes from the video). */
    private static Dataset<Row> inputs(Dataset<Row> manifest, boolean bySplit) {
        List<String> columns = Arrays.asList(manifest.columns());
        if (!columns.contains("sample_id")) {
            throw new IllegalArgumentException("manifest has no sample_id column: " + columns);
        }
        if (bySplit && !columns.contains(FeatureTable.SPLIT)) {
            throw new IllegalArgumentException("features partitioned by split need a manifest split column: " + columns);
        }
        return manifest.select(col("sample_id").cast(DataTypes.StringType),
                optional(columns, "video"), optional(columns, "audio"), optional(columns, "text"),
                bySplit ? col(FeatureTable.SPLIT).cast(DataTypes.StringType)
                        : lit(null).cast(DataTypes.StringType).as(FeatureTable.SPLIT));
    }

    private static Column optional(List<String> columns, String name) {
        return columns.contains(name) ? col(name).cast(DataTypes.StringType)
                : lit(null).cast(DataTypes.StringType).as(name);
    }

    /** From the accumulators of the staging write: no further pass over the staged outcomes. */
    private static ExtractSummary summarise(OutcomeCounter counter, ExtractSpec spec, long rows, long loads,
                                            long truncated) {
        Map<Modality, ExtractSummary.Counts> perModality = new EnumMap<>(Modality.class);
        spec.modalities().forEach(m -> perModality.put(m,
                new ExtractSummary.Counts(rows, counter.features(m), counter.errors(m))));
        return new ExtractSummary(perModality, loads, truncated);
    }

    /**
     * Enough partitions for rowsPerPartition, and at least partitionsPerCore per core of the application, so the
     * last tasks are short; rounded up to whole waves of the cores (704 rows of 64 on 2 cores made 11 partitions,
     * and the 11th ran alone while the other core idled); never more partitions than rows.
     */
    static int partitions(long rows, ExtractSpec spec, int cores) {
        long perWave = Math.max(1, cores);
        long byRows = (rows + spec.rowsPerPartition() - 1) / spec.rowsPerPartition();
        long byCores = spec.partitionsPerCore() * perWave;
        long wholeWaves = (Math.max(byRows, byCores) + perWave - 1) / perWave * perWave;
        return (int) Math.max(1, Math.min(wholeWaves, rows));
    }

    private static String stagingDir(String featuresDir) {
        String base = featuresDir.endsWith("/") ? featuresDir.substring(0, featuresDir.length() - 1) : featuresDir;
        return base + "_staging-" + UUID.randomUUID();
    }

    private static void delete(SparkSession spark, String dir) {
        try {
            org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(dir);
            FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
            fs.delete(path, true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove staging directory " + dir, e);
        }
    }
}
