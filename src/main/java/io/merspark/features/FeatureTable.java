package io.merspark.features;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

import static org.apache.spark.sql.functions.col;

/**
 * The physical layout of {@code features/}: partitioned by {@code modality} and then by {@code split}, the
 * manifest split a sample had when its features were written ({@code features/modality=m/split=s/}). Reading one
 * split is then a partition filter: a 143-row test read lists and opens the test files only, whatever the size
 * of the pool's partition beside it. Tables written before the split level (or from a manifest without splits)
 * are flat per modality and are read whole, semi-joined with the split's ids as before.
 *
 * <p>The split partition is where a sample's features were written, not a second source of truth: readers always
 * semi-join with the manifest's ids of the split, and {@code extract --only-new} copies the features of a sample
 * whose split changed into its new split's partition (the old copy is never read for that split again).
 */
public final class FeatureTable {

    /** The partition column under {@code modality}. */
    public static final String SPLIT = "split";

    private FeatureTable() {
    }

    /**
     * Whether the table at {@code dir} has split partitions: true for a table not written yet (new tables get
     * them), and for one whose modality folders hold {@code split=} folders.
     */
    public static boolean bySplit(SparkSession spark, String dir) {
        Path root = new Path(dir);
        try {
            FileSystem fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.exists(root)) {
                return true;
            }
            boolean anyModality = false;
            for (FileStatus m : fs.listStatus(root, p -> p.getName().startsWith("modality="))) {
                if (!m.isDirectory()) {
                    continue;
                }
                anyModality = true;
                for (FileStatus child : fs.listStatus(m.getPath())) {
                    if (child.isDirectory() && child.getPath().getName().startsWith(SPLIT + "=")) {
                        return true;
                    }
                }
            }
            return !anyModality;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The long feature rows of {@code modalities}; with {@code splits} given and a split-partitioned table, only
     * those splits' partitions are listed and read.
     */
    public static Dataset<Row> read(SparkSession spark, String dir, List<String> modalities, List<String> splits) {
        Dataset<Row> features = spark.read().parquet(dir).where(col("modality").isin(modalities.toArray()));
        if (splits != null && !splits.isEmpty() && bySplit(spark, dir)) {
            features = features.where(col(SPLIT).isin(splits.toArray()));
        }
        return features;
    }
}
