package io.merspark.features;

import io.merspark.ingest.ManifestColumns;
import io.merspark.io.Storage;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
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

import static org.apache.spark.sql.functions.bit_xor;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * The per-group sums behind a round's standardisation statistics, kept between nights so that a round pays for the
 * clips that changed, not for the corpus. The ledger ({@code <root>/group-sums/}) holds the sums per group and
 * modality ({@link FeatureSums#SCHEMA}), the keys of the feature rows they were taken from (file, sample, modality,
 * group) and, per feature file, the count and an order-free digest of its keys. Feature files are never rewritten
 * in place (an extraction adds files or replaces the table), so a key names one fixed vector.
 *
 * <p>An update scans the table's key columns (file path, {@code sample_id}, partition values; no vectors) joined
 * with the manifest and reduces them to one digest per file. Files whose digest is unchanged are done with; only the
 * rows of new, changed and gone files are compared with the kept keys, only those files are decoded, and their rows'
 * sums are added (new rows) or subtracted (gone rows). The nightly case — clips appended by {@code extract
 * --only-new} — decodes the appended files and appends their keys. A group changed in the manifest moves a row's
 * sums from one group to the other; a gone row whose file no longer exists (a full re-extraction), a ledger of
 * other modalities or another token setting, or no ledger: the sums are taken afresh over the whole table.
 *
 * <p>The rows that count are the statistics' rows as before: feature rows of manifest samples, and in a
 * split-partitioned table only the copy in the sample's current split (a clip moved from the pool to train keeps
 * its old copy in the pool's partition, which no read of its split uses, so it is not counted twice). The sums are
 * double; a sum updated night after night differs from one taken afresh in the last bits of a double, far below
 * the float the statistics are stored in (tested to 1e-6).
 *
 * <p>Each update writes its tables under new names ({@code sums-<n>}, {@code files-<n>}, {@code keys-<n>}) and then
 * replaces {@code _STATE}, which names the current ones; a job stopped before that leaves the previous state whole,
 * and unreferenced tables are removed by the next update. One writer per root at a time, as for every table here.
 */
public final class GroupSumsLedger {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GroupSumsLedger.class);

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
     * removed since the ledger (a full update counts every row as added), how many feature files were decoded, and
     * an incremental update's decoded files by name (a full update's are the table's, not listed).
     */
    public record Update(Dataset<Row> sums, Mode mode, long rows, long added, long removed, long filesDecoded,
                         List<String> decoded) {

        public Map<String, Object> toJson() {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("mode", mode.name().toLowerCase(java.util.Locale.ROOT));
            m.put("rows", rows);
            m.put("rows_added", added);
            m.put("rows_removed", removed);
            m.put("files_read", filesDecoded);
            return m;
        }
    }

    static final String FILE = "file";
    private static final String SIGN = "_sign";
    private static final String STATUS = "_status";
    private static final String MANIFEST_SPLIT = "_manifest_split";
    private static final String STATE = "_STATE";
    /** Beyond this many touched files a pass over the whole table is cheaper than listing them. */
    private static final long MAX_TOUCHED_FILES = 10_000;

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

    /** Which tables of the ledger folder are current: written last by an update, read first by the next. */
    record State(String spec, long generation, String sums, String files, List<String> keys) {

        String write() {
            return "spec=" + spec + "\ngeneration=" + generation + "\nsums=" + sums + "\nfiles=" + files + "\nkeys="
                    + String.join(",", keys) + "\n";
        }

        static State read(String text) {
            Map<String, String> m = new java.util.HashMap<>();
            for (String line : text.split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    m.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            if (!m.keySet().containsAll(List.of("spec", "generation", "sums", "files", "keys"))) {
                return null;
            }
            return new State(m.get("spec"), Long.parseLong(m.get("generation")), m.get("sums"), m.get("files"),
                    List.of(m.get("keys").split(",")));
        }

        java.util.Set<String> tables() {
            java.util.Set<String> out = new java.util.HashSet<>(keys);
            out.add(sums);
            out.add(files);
            return out;
        }
    }

    /**
     * Brings the ledger up to date with the features table and {@code manifest} ({@code sample_id}, {@code split},
     * {@code group}) for {@code modalities}, token sums with {@code tokens}, and commits it.
     */
    public Update update(Dataset<Row> manifest, List<String> modalities, boolean tokens) {
        boolean bySplit = FeatureTable.bySplit(spark, features);
        String spec = spec(modalities, tokens, bySplit);
        Dataset<Row> table = spark.read().parquet(features)
                .select(col("_metadata.file_path").as(FILE), col("*"))
                .where(col("modality").isin(modalities.toArray()));
        // the keys are reduced to digests, compared where a file changed and written as new keys: one scan, kept
        Dataset<Row> keys = counted(table, manifest, bySplit).select(col(FILE), col("sample_id"), col("modality"),
                col(ManifestColumns.GROUP)).persist(StorageLevel.MEMORY_AND_DISK());
        try {
            State state = state();
            if (state == null || !state.spec().equals(spec)) {
                return full(table, manifest, bySplit, keys, tokens, spec, nextGeneration(state));
            }
            return incremental(table, manifest, bySplit, keys, tokens, state);
        } finally {
            keys.unpersist();
        }
    }

    private Update incremental(Dataset<Row> table, Dataset<Row> manifest, boolean bySplit, Dataset<Row> keys,
                               boolean tokens, State state) {
        long t0 = System.nanoTime();
        Dataset<Row> now = digests(keys);
        Dataset<Row> before = spark.read().parquet(path(state.files()));
        // one row per file that came, went or changed: bounded by the table's files, not its rows
        Dataset<Row> touched = now.alias("n").join(before.alias("b"), col("n.file").equalTo(col("b.file")), "full_outer")
                .select(coalesce(col("n.file"), col("b.file")).as(FILE),
                        when(col("b.file").isNull(), lit("new")).when(col("n.file").isNull(), lit("gone"))
                                .when(col("n.rows").notEqual(col("b.rows"))
                                        .or(col("n.digest").notEqual(col("b.digest"))), lit("changed"))
                                .otherwise(lit("same")).as(STATUS))
                .where(col(STATUS).notEqual("same"))
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            Map<String, Long> counts = new java.util.HashMap<>();
            for (Row r : touched.groupBy(STATUS).count().collectAsList()) {
                counts.put(r.getString(0), r.getLong(1));
            }
            long changedOrGone = counts.getOrDefault("changed", 0L) + counts.getOrDefault("gone", 0L);
            long all = counts.values().stream().mapToLong(Long::longValue).sum();
            LOG.info("group sums: files new {}, changed {}, gone {} since the ledger (digests compared in {} s)",
                    counts.getOrDefault("new", 0L), counts.getOrDefault("changed", 0L),
                    counts.getOrDefault("gone", 0L), seconds(t0));
            if (all == 0) {
                return new Update(spark.read().parquet(path(state.sums())), Mode.UNCHANGED, keys.count(), 0, 0, 0,
                        List.of());
            }
            if (all > MAX_TOUCHED_FILES) {
                return full(table, manifest, bySplit, keys, tokens, state.spec(), state.generation() + 1);
            }
            List<String> files = touched.select(FILE).as(Encoders.STRING()).collectAsList().stream().sorted().toList();
            if (!allExist(files)) {
                return full(table, manifest, bySplit, keys, tokens, state.spec(), state.generation() + 1);
            }
            Dataset<Row> current = keys.join(broadcast(touched.where(col(STATUS).notEqual("gone")).select(FILE)),
                    FILE, "left_semi");
            Dataset<Row> kept = spark.read().parquet(state.keys().stream().map(this::path).toArray(String[]::new))
                    .join(broadcast(touched.where(col(STATUS).notEqual("new")).select(FILE)), FILE, "left_semi");
            Column same = col("k.file").equalTo(col("o.file")).and(col("k.sample_id").equalTo(col("o.sample_id")))
                    .and(col("k.modality").equalTo(col("o.modality")))
                    .and(col("k.group").eqNullSafe(col("o.group")));
            Dataset<Row> delta = current.alias("k").join(kept.alias("o"), same, "left_anti").withColumn(SIGN, lit(1))
                    .unionByName(kept.alias("o").join(current.alias("k"), same, "left_anti")
                            .withColumn(SIGN, lit(-1)))
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
                long t1 = System.nanoTime();
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
                Dataset<Row> sums = merge(spark.read().parquet(path(state.sums()))
                        .unionByName(sumsOf(changed, tokens, true)));
                long generation = state.generation() + 1;
                // only files came: their keys are appended; otherwise the keys are written whole again
                boolean append = changedOrGone == 0;
                List<String> keyTables = new ArrayList<>(append ? state.keys() : List.of());
                keyTables.add("keys-" + generation);
                long rows = commit(new State(state.spec(), generation, "sums-" + generation,
                        "files-" + generation, keyTables), sums, now, append ? current : keys);
                LOG.info("group sums: {} rows added, {} removed, {} files decoded; ledger of {} rows committed in {} s",
                        added, removed, files.size(), rows, seconds(t1));
                return new Update(spark.read().parquet(path("sums-" + generation)), Mode.INCREMENTAL, rows, added,
                        removed, files.size(), files);
            } finally {
                delta.unpersist();
            }
        } finally {
            touched.unpersist();
        }
    }

    private Update full(Dataset<Row> table, Dataset<Row> manifest, boolean bySplit, Dataset<Row> keys, boolean tokens,
                        String spec, long generation) {
        List<Column> cols = new ArrayList<>(List.of(col("modality"), col("pooled"), col(ManifestColumns.GROUP)));
        if (tokens) {
            cols.add(col("tokens"));
        }
        Dataset<Row> sums = sumsOf(counted(table, manifest, bySplit).select(cols.toArray(Column[]::new)), tokens, false);
        Dataset<Row> digests = digests(keys);
        long rows = commit(new State(spec, generation, "sums-" + generation, "files-" + generation,
                List.of("keys-" + generation)), sums, digests, keys);
        long files = spark.read().parquet(path("files-" + generation)).count();
        return new Update(spark.read().parquet(path("sums-" + generation)), Mode.FULL, rows, rows, 0, files, List.of());
    }

    /** Per feature file: its counted rows and the XOR of their keys' hashes (the order rows come in does not matter). */
    private static Dataset<Row> digests(Dataset<Row> keys) {
        return keys.groupBy(FILE).agg(count(lit(1)).as("rows"), bit_xor(xxhash64(col("sample_id"), col("modality"),
                coalesce(col(ManifestColumns.GROUP), lit("\u0000")))).as("digest"));
    }

    /** The feature rows that count: manifest samples, in a split-partitioned table their current split's copy. */
    private static Dataset<Row> counted(Dataset<Row> table, Dataset<Row> manifest, boolean bySplit) {
        Dataset<Row> m = manifest.select(col("sample_id"), col(ManifestColumns.SPLIT).as(MANIFEST_SPLIT),
                col(ManifestColumns.GROUP));
        Dataset<Row> joined = table.join(m, "sample_id");
        return bySplit ? joined.where(col(FeatureTable.SPLIT).equalTo(col(MANIFEST_SPLIT))) : joined;
    }

    /**
     * Writes {@code state}'s new tables — the sums, the file digests and the keys of this generation — then the state
     * that names them, then removes every table no longer named. Returns the counted rows (all keys' count).
     */
    private long commit(State state, Dataset<Row> sums, Dataset<Row> digests, Dataset<Row> newKeys) {
        String g = Long.toString(state.generation());
        for (String name : List.of("sums-" + g, "files-" + g, "keys-" + g)) {
            storage.delete(path(name)); // a stopped attempt at this generation
        }
        sums.write().parquet(path("sums-" + g));
        digests.write().parquet(path("files-" + g));
        // sorted by file: each file's keys together, so a changed file's keys are read in runs
        newKeys.sortWithinPartitions(FILE).write().parquet(path("keys-" + g));
        storage.writeText(path(STATE), state.write());
        removeUnnamed(state);
        return spark.read().parquet(state.keys().stream().map(this::path).toArray(String[]::new)).count();
    }

    private void removeUnnamed(State state) {
        try {
            Path dir = new Path(ledger);
            FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
            java.util.Set<String> named = state.tables();
            for (org.apache.hadoop.fs.FileStatus st : fs.listStatus(dir)) {
                String name = st.getPath().getName();
                // the state's checksum file (".") and Storage's own temporaries ("_tmp_", "_old_") stay
                if (!name.equals(STATE) && !named.contains(name) && !name.startsWith(".") && !name.startsWith("_")) {
                    fs.delete(st.getPath(), true);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The committed state; null without one (no ledger, or stopped between the state's two renames). */
    private State state() {
        return storage.exists(path(STATE)) ? State.read(storage.readText(path(STATE))) : null;
    }

    /** After the state's generation, or after any table a stopped update left when there is no state. */
    private long nextGeneration(State state) {
        if (state != null) {
            return state.generation() + 1;
        }
        long max = 0;
        try {
            Path dir = new Path(ledger);
            FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (fs.exists(dir)) {
                for (org.apache.hadoop.fs.FileStatus st : fs.listStatus(dir)) {
                    String name = st.getPath().getName();
                    int dash = name.lastIndexOf('-');
                    if (dash > 0 && name.substring(dash + 1).matches("\\d+")) {
                        max = Math.max(max, Long.parseLong(name.substring(dash + 1)));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return max + 1;
    }

    private String path(String name) {
        return ledger + "/" + name;
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
