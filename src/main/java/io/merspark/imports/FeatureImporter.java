package io.merspark.imports;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.merspark.extract.Embedding;
import io.merspark.extract.Modality;
import io.merspark.features.FeatureTable;
import io.merspark.features.TokenThinning;
import io.merspark.io.ErrorTable;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.input.PortableDataStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

/**
 * The import-features job: a MER tool-chain feature folder (one {@code <sample_id>.npy} per sample, 1-D
 * utterance-level or 2-D frame-level) → the features layout of one modality (sample_id, encoder =
 * {@code npy:<folder name>}, pooled = the vector or the mean over T, tokens = the frames capped at
 * {@code maxTokens}, evenly spread) and error rows (sample_id, modality, reason) for files that cannot be used.
 * Spark distributes the files ({@code binaryFiles}); each task decodes its files with DJL's NumPy reader. Files of a
 * width other than the folder's (the width most files have) are errors too, decided after decoding.
 */
public final class FeatureImporter {

    private static final Logger LOG = LoggerFactory.getLogger(FeatureImporter.class);

    static final StructType STAGED = new StructType()
            .add("sample_id", DataTypes.StringType, false)
            .add("encoder", DataTypes.StringType, false)
            .add("pooled", DataTypes.createArrayType(DataTypes.FloatType, false), true)
            .add("tokens", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.FloatType, false), false),
                    true)
            .add("width", DataTypes.IntegerType, true)
            .add("frames", DataTypes.IntegerType, true)
            .add("reason", DataTypes.StringType, true);

    /**
     * @param dir          the feature folder (any Hadoop path)
     * @param maxTokens    frame vectors kept per sample
     * @param featuresOut  where this modality's feature rows go (the {@code features/modality=<m>} directory)
     * @param errorsOut    where the error rows go, after {@code keptErrors} (rows to carry over; may be null)
     */
    public ImportSummary run(SparkSession spark, String dir, Modality modality, int maxTokens, String featuresOut,
                             String errorsOut, Dataset<Row> keptErrors) {
        return run(spark, dir, modality, maxTokens, featuresOut, errorsOut, keptErrors, null);
    }

    /**
     * @param splits (sample_id, split) of the manifest: the feature rows are partitioned by it as
     *               {@link FeatureTable} lays out a table; null writes them flat (a table extracted before that)
     */
    public ImportSummary run(SparkSession spark, String dir, Modality modality, int maxTokens, String featuresOut,
                             String errorsOut, Dataset<Row> keptErrors, Dataset<Row> splits) {
        long start = System.nanoTime();
        String folder = new Path(dir).getName();
        String encoder = "npy:" + folder;
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        String glob = (dir.endsWith("/") ? dir : dir + "/") + "*.npy";
        if (!hasFiles(spark, glob)) {
            throw new IllegalArgumentException("no .npy files in " + dir);
        }
        JavaRDD<Row> staged = jsc.binaryFiles(glob, jsc.defaultParallelism())
                .mapPartitions(new DecodePartition(encoder, maxTokens));
        String staging = (featuresOut.endsWith("/") ? featuresOut.substring(0, featuresOut.length() - 1)
                : featuresOut) + "_staging-" + UUID.randomUUID();
        try {
            spark.createDataFrame(staged, STAGED).write().mode(SaveMode.Overwrite).parquet(staging);
            Dataset<Row> decoded = spark.read().parquet(staging);
            int width = folderWidth(decoded);
            Dataset<Row> checked = decoded.withColumn("reason", when(col("reason").isNull()
                            .and(col("width").notEqual(lit(width))),
                    org.apache.spark.sql.functions.concat(lit("width "), col("width").cast(DataTypes.StringType),
                            lit(" differs from the folder's width " + width + " (most files)")))
                    .otherwise(col("reason")));
            // face_found as the extract job writes it (null: imported features say nothing about faces)
            Dataset<Row> features = checked.filter(col("reason").isNull()).select(col("sample_id"), col("encoder"),
                    col("pooled"), col("tokens"), lit(null).cast(DataTypes.FloatType).as("face_found"));
            if (splits == null) {
                features.write().mode(SaveMode.Overwrite).parquet(featuresOut);
            } else {
                // a file of a sample not in the manifest gets no split: no split's read sees it, as before
                features.join(splits.select(col("sample_id"), col(FeatureTable.SPLIT)), new String[]{"sample_id"},
                        "left").write().mode(SaveMode.Overwrite).partitionBy(FeatureTable.SPLIT).parquet(featuresOut);
            }
            Dataset<Row> errors = checked.filter(col("reason").isNotNull())
                    .select(col("sample_id"), lit(modality.key()).as("modality"), col("reason"));
            if (keptErrors != null) {
                errors = keptErrors.select("sample_id", "modality", "reason").unionByName(errors);
            }
            spark.createDataFrame(errors.javaRDD(), ErrorTable.SCHEMA).write().mode(SaveMode.Overwrite)
                    .parquet(errorsOut);

            long files = decoded.count();
            long imported = spark.read().parquet(featuresOut).count();
            long errorRows = checked.filter(col("reason").isNotNull()).count();
            long capped = decoded.filter(col("reason").isNull().and(col("frames").gt(maxTokens))).count();
            ImportSummary summary = new ImportSummary(modality.key(), encoder, files, imported, errorRows, width,
                    capped);
            LOG.info("imported {} in {} s: {}", dir, (System.nanoTime() - start) / 1e9, summary);
            return summary;
        } finally {
            delete(spark, staging);
        }
    }

    /** The width most decoded files have (ties: the smaller width); 0 when no file decoded. */
    private static int folderWidth(Dataset<Row> decoded) {
        List<Row> top = decoded.filter(col("reason").isNull()).groupBy("width").count()
                .orderBy(col("count").desc(), col("width").asc()).limit(1).collectAsList();
        return top.isEmpty() ? 0 : top.get(0).getInt(0);
    }

    private static boolean hasFiles(SparkSession spark, String glob) {
        try {
            Path p = new Path(glob);
            FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            org.apache.hadoop.fs.FileStatus[] found = fs.globStatus(p);
            return found != null && found.length > 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + glob, e);
        }
    }

    private static void delete(SparkSession spark, String dir) {
        try {
            Path path = new Path(dir);
            path.getFileSystem(spark.sparkContext().hadoopConfiguration()).delete(path, true);
        } catch (IOException e) {
            LOG.warn("cannot remove staging directory {}", dir, e);
        }
    }

    /** Decodes a partition's files with one NDManager for the partition, closed at its end. */
    private static final class DecodePartition
            implements org.apache.spark.api.java.function.FlatMapFunction<Iterator<Tuple2<String, PortableDataStream>>, Row> {

        private final String encoder;
        private final int maxTokens;

        DecodePartition(String encoder, int maxTokens) {
            this.encoder = encoder;
            this.maxTokens = maxTokens;
        }

        @Override
        public Iterator<Row> call(Iterator<Tuple2<String, PortableDataStream>> files) {
            List<Row> out = new ArrayList<>();
            try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
                while (files.hasNext()) {
                    Tuple2<String, PortableDataStream> file = files.next();
                    String name = new Path(file._1()).getName();
                    String sampleId = name.substring(0, name.length() - ".npy".length());
                    // A sub-manager per file: its arrays are freed as soon as the file is done.
                    try (NDManager fileManager = manager.newSubManager()) {
                        NpyFeatures.Decoded d = NpyFeatures.decode(fileManager, file._2().toArray());
                        out.add(RowFactory.create(sampleId, encoder, d.pooled(),
                                TokenThinning.evenly(d.frames(), maxTokens), d.width(), d.frames().length, null));
                    } catch (NpyFeatures.BadFile e) {
                        out.add(RowFactory.create(sampleId, encoder, null, null, null, null, e.getMessage()));
                    } catch (RuntimeException e) {
                        out.add(RowFactory.create(sampleId, encoder, null, null, null, null,
                                "cannot read .npy: " + e));
                    }
                }
            }
            return out.iterator();
        }
    }
}
