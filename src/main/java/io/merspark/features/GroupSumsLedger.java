package io.merspark.features;

import io.merspark.ingest.ManifestColumns;
import io.merspark.io.Storage;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

/**
 * The per-group sums behind a round's standardisation statistics, kept between nights so that a round pays for the
 * clips that changed, not for the corpus. The ledger ({@code <root>/group-sums/}) holds the sums per group and
 * modality ({@link FeatureSums#SCHEMA}) and the keys of the feature rows they were taken from: (file, sample, modality,
 * group). Feature files are never rewritten in place (an extraction adds files or replaces the table), so a key names
 * one fixed vector.
 *
 * <p>An update lists the rows that count now (a cheap scan of the table's key columns joined with the manifest),
 * compares them with the ledger's keys, decodes only the files holding a row that came or went, adds the new rows'
 * sums and subtracts the gone rows'. The nightly case — clips appended by {@code extract --only-new} — decodes the
 * appended files only. A group changed in the manifest moves a row's sums from one group to the other; a gone row
 * whose file no longer exists (a full re-extraction), a ledger of other modalities or another token setting, or no
 * ledger: the sums are taken afresh over the whole table.
 *
 * <p>The rows that count are the statistics' rows as before: feature rows of manifest samples, and in a
 * split-partitioned table only the copy in the sample's current split (a clip moved from the pool to train keeps
 * its old copy in the pool's partition, which no read of its split uses, so it is not counted twice). The sums are
 * double; a sum updated night after night differs from one taken afresh in the last bits of a double, far below
 * the float the statistics are stored in (tested to 1e-6).
 */
public final class GroupSumsLedger {

    /** How the sums of an update were made. */
    public enum Mode {
        /** No ledger, or one that cannot be updated: every counted row decoded. */
        FULL,
        /** The ledger plus the rows that came, minus those that went. */
        INCREMENTAL,
        /** Nothing changed: the ledger's sums as they are. */
        UNCHANGED
    }

    /**
     * An update's outcome: the sums table now committed, how it was made, the counted rows, the rows added and
     * removed since the ledger (a full update counts every row as added), and the feature files decoded.
     */
    public record Update(Dataset<Row> sums, Mode mode, long rows, long added, long removed, List<String> filesRead) {

        public Map<String, Object> toJson() {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("mode", mode.name().toLowerCase(java.util.Locale.ROOT));
            m.put("rows", rows);
            m.put("rows_added", added);
            m.put("rows_removed", removed);
            m.put("files_read", (long) filesRead.size());
            return m;
        }
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GroupSumsLedger.class);

    static final String FILE = "file";
    private static final String SIGN = "_sign";
    private static final String MANIFEST_SPLIT = "_manifest_split";

    private final SparkSession spark;
    private final Storage storage;
    private final String features;
    private final String ledger;

    /** A ledger at {@code ledgerDir} of the features table at {@code featuresDir}. */
    public GroupSumsLedger(SparkSession spark, Storage storage, String featuresDir, String ledgerDir) {
        this.spark = spark;
        this.storage = storage;
        this.features = featuresDir;
        this.ledger = ledgerDir;
    }

    /**
     * Brings the ledger up to date with the features table and {@code manifest} ({@code sample_id}, {@code split},
     * {@code group}) for {@code modalities}, token sums with {@code tokens}, and commits it (sums and keys together).
     */
    public Update update(Dataset<Row> manifest, List<String> modalities, boolean tokens) {
        boolean bySplit = FeatureTable.bySplit(spark, features);
        String spec = spec(modalities, tokens, bySplit);
        Dataset<Row> table = spark.read().parquet(features)
                .select(col("_metadata.file_path").as(FILE), col("*"))
                .where(col("modality").isin(modalities.toArray()));
        // the keys are compared with the ledger's and then written as its new keys: one scan, kept
        Dataset<Row> keys = counted(table, manifest, bySplit).select(col(FILE), col("sample_id"), col("modality"),
                col(ManifestColumns.GROUP)).persist(StorageLevel.MEMORY_AND_DISK());
        try {
            if (!storage.exists(ledger + "/_SPEC") || !spec.equals(storage.readText(ledger + "/_SPEC"))) {
                return full(table, manifest, bySplit, keys, tokens, spec);
            }
            return incremental(table, manifest, bySplit, keys, tokens, spec);
        } finally {
            keys.unpersist();
        }
    }

    private Update incremental(Dataset<Row> table, Dataset<Row> manifest, boolean bySplit, Dataset<Row> keys,
                               boolean tokens, String spec) {
        long t0 = System.nanoTime();
        Dataset<Row> old = spark.read().parquet(ledger + "/keys");
        Column same = col("k.file").equalTo(col("o.file")).and(col("k.sample_id").equalTo(col("o.sample_id")))
                .and(col("k.modality").equalTo(col("o.modality")))
                .and(col("k.group").eqNullSafe(col("o.group")));
        Dataset<Row> delta = keys.alias("k").join(old.alias("o"), same, "left_anti").withColumn(SIGN, lit(1))
                .unionByName(old.alias("o").join(keys.alias("k"), same, "left_anti").withColumn(SIGN, lit(-1)))
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            long added = 0;
            long removed = 0;
            for (Row r : delta.groupBy(SIGN).count().collectAsList()) {
                if (r.getInt(0) > 0) {
                    added = r.getLong(1);
                } else {
                    removed = r.getLong(1);
                }
            }
            Dataset<Row> oldSums = spark.read().parquet(ledger + "/sums");
            LOG.info("group sums: {} rows added, {} removed since the ledger (keys compared in {} s)", added, removed,
                    seconds(t0));
            if (added + removed == 0) {
                return new Update(oldSums, Mode.UNCHANGED, old.count(), 0, 0, List.of());
            }
            // one row per file that gained or lost a counted row: bounded by the table's files, not its rows
            List<String> files = delta.select(FILE).distinct().as(org.apache.spark.sql.Encoders.STRING())
                    .collectAsList().stream().sorted().toList();
            if (!allExist(files)) {
                return full(table, manifest, bySplit, keys, tokens, spec);
            }
            Dataset<Row> vectors = spark.read().option("basePath", features).parquet(files.stream()
                            .map(GroupSumsLedger::hadoopPath).toArray(String[]::new))
                    .select(col("_metadata.file_path").as(FILE), col("*"));
            List<Column> cols = new ArrayList<>(List.of(col("v.modality"), col("v.pooled"), col("d.group")));
            if (tokens) {
                cols.add(col("v.tokens"));
            }
            cols.add(col("d." + SIGN));
            Dataset<Row> changed = vectors.alias("v").join(delta.alias("d"), col("v.file").equalTo(col("d.file"))
                    .and(col("v.sample_id").equalTo(col("d.sample_id")))
                    .and(col("v.modality").equalTo(col("d.modality")))).select(cols.toArray(Column[]::new));
            Dataset<Row> sums = merge(oldSums.unionByName(sumsOf(changed, tokens, true))).cache();
            long t1 = System.nanoTime();
            sums.count();
            LOG.info("group sums: {} changed files decoded and the sums updated in {} s", files.size(), seconds(t1));
            long t2 = System.nanoTime();
            long rows = commit(keys, sums, spec);
            sums.unpersist();
            LOG.info("group sums: ledger of {} rows committed in {} s", rows, seconds(t2));
            return new Update(spark.read().parquet(ledger + "/sums"), Mode.INCREMENTAL, rows, added, removed, files);
        } finally {
            delta.unpersist();
        }
    }

    private Update full(Dataset<Row> table, Dataset<Row> manifest, boolean bySplit, Dataset<Row> keys, boolean tokens,
                        String spec) {
        List<Column> cols = new ArrayList<>(List.of(col("modality"), col("pooled"), col(ManifestColumns.GROUP)));
        if (tokens) {
            cols.add(col("tokens"));
        }
        Dataset<Row> sums = sumsOf(counted(table, manifest, bySplit).select(cols.toArray(Column[]::new)), tokens, false);
        long rows = commit(keys, sums, spec);
        List<String> files = keys.select(FILE).distinct().as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
        return new Update(spark.read().parquet(ledger + "/sums"), Mode.FULL, rows, rows, 0, files);
    }

    /** The feature rows that count: manifest samples, in a split-partitioned table their current split's copy. */
    private static Dataset<Row> counted(Dataset<Row> table, Dataset<Row> manifest, boolean bySplit) {
        Dataset<Row> m = manifest.select(col("sample_id"), col(ManifestColumns.SPLIT).as(MANIFEST_SPLIT),
                col(ManifestColumns.GROUP));
        Dataset<Row> joined = table.join(m, "sample_id");
        return bySplit ? joined.where(col(FeatureTable.SPLIT).equalTo(col(MANIFEST_SPLIT))) : joined;
    }

    /** Writes keys and sums into one folder and swaps it in whole; returns the counted rows. */
    private long commit(Dataset<Row> keys, Dataset<Row> sums, String spec) {
        storage.commit(ledger, tmp -> {
            // the keys sorted by file: each file's keys together, so the next night's comparison reads runs of one file
            keys.sortWithinPartitions(FILE).write().parquet(tmp + "/keys");
            sums.write().parquet(tmp + "/sums");
            writeText(tmp + "/_SPEC", spec);
        });
        return keys.count();
    }

    private void writeText(String path, String text) {
        Path p = new Path(path);
        try (var out = p.getFileSystem(spark.sparkContext().hadoopConfiguration()).create(p, true)) {
            out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean allExist(List<String> files) {
        try {
            FileSystem fs = new Path(features).getFileSystem(spark.sparkContext().hadoopConfiguration());
            for (String f : files) {
                if (!fs.exists(new Path(hadoopPath(f)))) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code _metadata.file_path} is a URI string (escaped); Spark's reader takes a path. */
    private static String hadoopPath(String fileUri) {
        return new Path(URI.create(fileUri)).toString();
    }

    private static String seconds(long since) {
        return String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - since) / 1e9);
    }

    private static String spec(List<String> modalities, boolean tokens, boolean bySplit) {
        return "version=1 modalities=" + new java.util.TreeSet<>(modalities) + " tokens=" + tokens
                + " by_split=" + bySplit;
    }

    /**
     * Sums per group and modality ({@link FeatureSums#SCHEMA}) of {@code rows}: modality, pooled, group, then
     * tokens with {@code tokens}, then an int sign with {@code signed} (−1 subtracts the row). Rows without a
     * pooled vector add nothing. Decoded from Spark's internal rows (no boxing, {@link WideRowReader}).
     */
    static Dataset<Row> sumsOf(Dataset<Row> rows, boolean tokens, boolean signed) {
        int signAt = tokens ? 4 : 3;
        JavaPairRDD<GroupNormalization.Key, FeatureSums> sums = WideRowReader.internalRows(rows)
                .filter(r -> !r.isNullAt(1))
                .mapToPair(r -> {
                    FeatureSums s = FeatureSums.of(r.getArray(1).toFloatArray(),
                            tokens && !r.isNullAt(3) ? WideRowReader.floats(r.getArray(3)) : null);
                    String group = r.isNullAt(2) ? null : r.getUTF8String(2).toString();
                    return new Tuple2<>(new GroupNormalization.Key(false, group, r.getUTF8String(0).toString()),
                            signed && r.getInt(signAt) < 0 ? s.negated() : s);
                }).reduceByKey(FeatureSums::plus);
        return rows.sparkSession().createDataFrame(sums.map(t -> t._2().toRow(t._1().group(), t._1().modality())),
                FeatureSums.SCHEMA);
    }

    /** Sums rows added per group and modality; a group left with no clips drops out. */
    private static Dataset<Row> merge(Dataset<Row> sums) {
        JavaPairRDD<GroupNormalization.Key, FeatureSums> merged = sums.javaRDD().mapToPair(r -> new Tuple2<>(
                        new GroupNormalization.Key(false, r.isNullAt(0) ? null : r.getString(0), r.getString(1)),
                        FeatureSums.fromRow(r)))
                .reduceByKey(FeatureSums::plus)
                .filter(t -> t._2().clips > 0);
        return sums.sparkSession().createDataFrame(merged.map(t -> t._2().toRow(t._1().group(), t._1().modality())),
                FeatureSums.SCHEMA);
    }
}
