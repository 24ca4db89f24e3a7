package io.merspark.bench;

import io.merspark.config.Settings;
import io.merspark.extract.ExtractSummary;
import io.merspark.ingest.ManifestColumns;
import io.merspark.io.Layout;
import io.merspark.pipeline.ExtractStage;
import io.merspark.pipeline.JobContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;

/**
 * {@code bench append --pool N --new K}: appends K new clips (new manifest rows over the source's real media) to
 * the features table of a scaled root of N pooled rows with {@code extract --only-new}, and extracts the same K
 * clips alone into an empty root; prints the wall time of both, the files and bytes the append added, and whether
 * any file already in the tables changed. A warm-up extraction of a few clips loads the models first, so neither
 * timed run pays it.
 */
public final class AppendBench {

    private static final int WARM_UP_CLIPS = 8;

    private final SparkSession spark;
    private final Function<List<String>, Settings> settingsWith;

    public AppendBench(SparkSession spark, Function<List<String>, Settings> settingsWith) {
        this.spark = spark;
        this.settingsWith = settingsWith;
    }

    public record Result(int pool, int clips, double appendSeconds, double aloneSeconds, int filesAdded,
                         long bytesAdded, int oldFiles, int oldFilesChanged, long rowsInAddedFiles,
                         String loadAppend, String loadAlone) {
    }

    public Result run(String sourceRoot, int pool, int clips, PrintStream out) {
        String base = sourceRoot + "/append-bench";
        Layout source = new Layout(sourceRoot);
        Layout scaled = new Layout(base + "/pool-" + pool);
        JobContext big = context(scaled.root());
        if (!big.storage().exists(scaled.features())) {
            long t0 = System.nanoTime();
            ScaledRoot.build(spark, source, scaled, pool, big.storage());
            out.printf(Locale.ROOT, "scaled root %s built in %.1f s%n", scaled.root(), (System.nanoTime() - t0) / 1e9);
        }
        // every run appends clips under fresh ids, so it is new work on the grown table
        String prefix = "new" + System.currentTimeMillis() + "-";
        Dataset<Row> fresh = newClips(source, clips, prefix).cache();
        fresh.count();

        JobContext warm = context(base + "/warm-up");
        warm.storage().delete(warm.layout().root());
        warm.storage().commitParquet(fresh.limit(WARM_UP_CLIPS), warm.layout().manifest());
        ExtractStage.run(warm);

        JobContext alone = context(base + "/alone");
        alone.storage().delete(alone.layout().root());
        alone.storage().commitParquet(fresh, alone.layout().manifest());
        String loadAloneBefore = load();
        long t0 = System.nanoTime();
        ExtractStage.run(alone);
        double aloneSeconds = (System.nanoTime() - t0) / 1e9;
        String loadAlone = loadAloneBefore + " → " + load();

        Dataset<Row> manifest = spark.read().parquet(scaled.manifest());
        big.storage().commitParquet(manifest.unionByName(fresh.select(manifest.columns()[0],
                java.util.Arrays.copyOfRange(manifest.columns(), 1, manifest.columns().length))), scaled.manifest());
        Map<String, String> before = files(scaled.features(), scaled.errors());
        String loadAppendBefore = load();
        t0 = System.nanoTime();
        ExtractSummary summary = ExtractStage.run(big, true);
        double appendSeconds = (System.nanoTime() - t0) / 1e9;
        String loadAppend = loadAppendBefore + " → " + load();
        Map<String, String> after = files(scaled.features(), scaled.errors());

        List<String> added = after.keySet().stream().filter(f -> !before.containsKey(f)).sorted().toList();
        long bytes = added.stream().mapToLong(f -> Long.parseLong(after.get(f).split("@")[0])).sum();
        int changed = (int) before.entrySet().stream().filter(e -> !e.getValue().equals(after.get(e.getKey()))).count();
        long rows = added.isEmpty() ? 0 : spark.read().parquet(added.stream().filter(f -> f.contains("/features/"))
                .toArray(String[]::new)).count();
        Result r = new Result(pool, clips, appendSeconds, aloneSeconds, added.size(), bytes, before.size(), changed,
                rows, loadAppend, loadAlone);
        String md = markdown(r, summary);
        out.print(md);
        write(base + "/append-bench-" + pool + "-" + clips + ".md", md);
        return r;
    }

    /** {@code clips} manifest rows under new ids, cycling over the source's rows with a video. */
    private Dataset<Row> newClips(Layout source, int clips, String prefix) {
        Dataset<Row> media = spark.read().parquet(source.manifest()).where(col("video").isNotNull());
        long distinct = media.count();
        long copies = (clips + distinct - 1) / distinct;
        Dataset<Row> rows = media
                .withColumn("_i", row_number().over(Window.orderBy("sample_id")).minus(1))
                .crossJoin(spark.range(copies).withColumnRenamed("id", "_k"))
                .where(col("_k").multiply(distinct).plus(col("_i")).lt(clips))
                .withColumn("sample_id", concat(lit(prefix), col("_k").cast("string"), lit("-"), col("sample_id")))
                .withColumn(ManifestColumns.SPLIT, lit(ManifestColumns.UNLABELED))
                .withColumn("label", lit(null).cast("string"))
                .drop("_i", "_k");
        if (List.of(media.columns()).contains(ManifestColumns.GROUP)) {
            rows = rows.withColumn(ManifestColumns.GROUP, lit(null).cast("string"));
        }
        return rows;
    }

    private JobContext context(String root) {
        return JobContext.of(spark, settingsWith.apply(List.of("mer.root=\"" + root + "\"")));
    }

    /** Every data file under the tables: path → length@mtime. */
    private Map<String, String> files(String... tables) {
        Map<String, String> out = new HashMap<>();
        try {
            for (String t : tables) {
                Path dir = new Path(t);
                FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
                if (!fs.exists(dir)) {
                    continue;
                }
                RemoteIterator<LocatedFileStatus> it = fs.listFiles(dir, true);
                while (it.hasNext()) {
                    LocatedFileStatus st = it.next();
                    if (st.getPath().getName().startsWith("part-")) {
                        out.put(st.getPath().toString(), st.getLen() + "@" + st.getModificationTime());
                    }
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String load() {
        return String.format(Locale.ROOT, "%.1f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    static String markdown(Result r, ExtractSummary summary) {
        return String.format(Locale.ROOT, """
                append %d new clips to a features table of %d pooled rows (extract --only-new)

                | run | wall s | load (1-min avg, before → after) |
                |---|---|---|
                | the %d clips alone, into an empty root | %.1f | %s |
                | appended to the %d-row root | %.1f | %s |

                append / alone: %.2f×
                files added: %d (%.1f MiB), holding %d feature rows; files already there: %d, changed: %d
                %s
                """, r.clips(), r.pool(), r.clips(), r.aloneSeconds(), r.loadAlone(), r.pool(), r.appendSeconds(),
                r.loadAppend(), r.appendSeconds() / r.aloneSeconds(), r.filesAdded(), r.bytesAdded() / 1048576.0,
                r.rowsInAddedFiles(), r.oldFiles(), r.oldFilesChanged(), summary);
    }

    private static void write(String file, String text) {
        try {
            Files.createDirectories(Paths.get(file).getParent());
            Files.writeString(Paths.get(file), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
