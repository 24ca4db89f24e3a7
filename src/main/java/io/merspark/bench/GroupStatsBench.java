package io.merspark.bench;

import io.merspark.features.FeatureTable;
import io.merspark.features.GroupNormalization;
import io.merspark.features.GroupSumsLedger;
import io.merspark.ingest.ManifestColumns;
import io.merspark.io.Layout;
import io.merspark.io.Storage;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

/**
 * {@code bench group-stats --pool N --groups G --new K}: what a night's per-group statistics cost once the group sums
 * are kept. On a scaled root of N pooled clips in G synthetic groups ({@code ScaledRoot}), the ledger's first pass
 * takes every clip; then K new clips are appended as new feature files (copies of the source's feature rows under
 * new ids, as {@code extract --only-new} adds files) and, in random order within each repetition, the ledger is
 * brought up to date from its state before the append (incremental) and taken afresh over the grown table (full:
 * what every night paid before); last, an update with nothing new (the key scan alone). Prints medians and spreads,
 * the paired full / incremental ratio, the files and rows each decoded, and the largest difference between the two
 * ways' statistics.
 */
public final class GroupStatsBench {

    private final SparkSession spark;
    private final Storage storage;

    public GroupStatsBench(SparkSession spark) {
        this.spark = spark;
        this.storage = new Storage(spark);
    }

    /** One way of bringing the statistics up to date, timed {@code seconds.size()} times. */
    public record Pass(String name, List<Double> seconds, GroupSumsLedger.Update last) {

        double median() {
            return TrainBench.median(seconds.stream().mapToDouble(Double::doubleValue).toArray());
        }
    }

    public List<Pass> run(String sourceRoot, int pool, int groups, int newClips, int reps, List<String> modalities,
                          boolean tokens, PrintStream out) {
        String base = sourceRoot + "/stats-bench";
        Layout source = new Layout(sourceRoot);
        Layout scaled = new Layout(base + "/pool-" + pool + "-groups-" + groups);
        if (!storage.exists(scaled.features())) {
            long t0 = System.nanoTime();
            ScaledRoot.build(spark, source, scaled, pool, groups, storage);
            out.printf(Locale.ROOT, "scaled root %s built in %.1f s%n", scaled.root(), (System.nanoTime() - t0) / 1e9);
        }
        String ledger = scaled.root() + "/group-sums";
        String before = base + "/_ledger-before-append";
        String fresh = base + "/_ledger-full";
        storage.delete(ledger);

        Pass first = time("first pass (no ledger yet), " + clips(scaled) + " clips", 1,
                () -> update(scaled, ledger, modalities, tokens));
        copy(ledger, before);
        appendClips(source, scaled, newClips, groups);
        String grown = clips(scaled) + " clips";

        List<Double> incremental = new ArrayList<>();
        List<Double> full = new ArrayList<>();
        GroupSumsLedger.Update[] lastIncremental = new GroupSumsLedger.Update[1];
        GroupSumsLedger.Update[] lastFull = new GroupSumsLedger.Update[1];
        Random order = new Random(42);
        for (int rep = 0; rep < reps; rep++) {
            boolean incrementalFirst = order.nextBoolean();
            for (int k = 0; k < 2; k++) {
                if ((k == 0) == incrementalFirst) {
                    copy(before, ledger);
                    long t0 = System.nanoTime();
                    lastIncremental[0] = update(scaled, ledger, modalities, tokens);
                    incremental.add((System.nanoTime() - t0) / 1e9);
                } else {
                    storage.delete(fresh);
                    long t0 = System.nanoTime();
                    lastFull[0] = update(scaled, fresh, modalities, tokens);
                    full.add((System.nanoTime() - t0) / 1e9);
                }
            }
        }
        Pass inc = new Pass("ledger + " + newClips + " appended clips (incremental), " + grown, incremental,
                lastIncremental[0]);
        Pass all = new Pass("full pass over the grown table (every night before), " + grown, full, lastFull[0]);
        Pass unchanged = time("nothing new (the key scan alone), " + grown, reps,
                () -> update(scaled, ledger, modalities, tokens));
        double[] diff = maxDifference(GroupNormalization.statisticsOf(lastFull[0].sums()),
                GroupNormalization.statisticsOf(lastIncremental[0].sums()));
        storage.delete(before);
        storage.delete(fresh);

        List<Pass> passes = List.of(first, all, inc, unchanged);
        String md = markdown(pool, groups, newClips, reps, passes, full, incremental, diff);
        out.print(md);
        try {
            Files.writeString(Paths.get(base, "group-stats-bench-" + pool + "-" + groups + "-" + newClips + ".md"), md);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return passes;
    }

    private GroupSumsLedger.Update update(Layout root, String ledger, List<String> modalities, boolean tokens) {
        Dataset<Row> manifest = spark.read().parquet(root.manifest())
                .select(col("sample_id"), col(ManifestColumns.SPLIT), col(ManifestColumns.GROUP));
        GroupSumsLedger.Update u = new GroupSumsLedger(spark, storage, root.features(), ledger)
                .update(manifest, modalities, tokens);
        u.sums().count(); // the committed sums are read back, as the round's statistics are
        return u;
    }

    private static Pass time(String name, int reps, Supplier<GroupSumsLedger.Update> pass) {
        List<Double> seconds = new ArrayList<>();
        GroupSumsLedger.Update last = null;
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            last = pass.get();
            seconds.add((System.nanoTime() - t0) / 1e9);
        }
        return new Pass(name, seconds, last);
    }

    private long clips(Layout root) {
        return spark.read().parquet(root.manifest()).count();
    }

    /**
     * {@code n} new unlabeled clips: copies of the source's feature rows (all modalities) under ids
     * {@code new<time>-<k>-<id>}, written as new files into the pool's partitions, and their manifest rows (groups by
     * the scaled root's rule); the manifest is rewritten with them, as ingest does.
     */
    private void appendClips(Layout source, Layout scaled, int n, int groups) {
        Dataset<Row> copiesOf = ScaledRoot.copies(spark, source, n, "new" + System.currentTimeMillis() + "-").cache();
        Dataset<Row> features = spark.read().parquet(scaled.features());
        String[] featureColumns = Arrays.stream(features.columns())
                .filter(c -> !c.equals("modality") && !c.equals(FeatureTable.SPLIT)).toArray(String[]::new);
        Dataset<Row> sourceFeatures = spark.read().parquet(source.features()).drop(FeatureTable.SPLIT);
        Dataset<Row> newFeatures = copiesOf.join(sourceFeatures.withColumnRenamed("sample_id", "_source"), "_source")
                .withColumn(FeatureTable.SPLIT, lit(ManifestColumns.UNLABELED));
        List<Column> cols = new ArrayList<>(Arrays.stream(featureColumns).map(functions::col).toList());
        cols.add(col("modality"));
        cols.add(col(FeatureTable.SPLIT));
        newFeatures.select(cols.toArray(Column[]::new)).write().mode(SaveMode.Append)
                .partitionBy("modality", FeatureTable.SPLIT).parquet(scaled.features());

        Dataset<Row> manifest = spark.read().parquet(scaled.manifest());
        Column group = ScaledRoot.syntheticGroup(groups);
        Dataset<Row> newRows = copiesOf.join(spark.read().parquet(source.manifest())
                        .withColumnRenamed("sample_id", "_source"), "_source")
                .withColumn(ManifestColumns.SPLIT, lit(ManifestColumns.UNLABELED))
                .withColumn("label", lit(null).cast("string"))
                .withColumn(ManifestColumns.GROUP, group);
        Dataset<Row> grown = manifest.unionByName(newRows.select(Arrays.stream(manifest.columns())
                .map(functions::col).toArray(Column[]::new)));
        // written in full under a temporary name before the old manifest is moved aside (Storage.commit)
        storage.commitParquet(grown, scaled.manifest());
        copiesOf.unpersist();
    }

    private void copy(String from, String to) {
        try {
            Path src = new Path(from);
            FileSystem fs = src.getFileSystem(spark.sparkContext().hadoopConfiguration());
            fs.delete(new Path(to), true);
            FileUtil.copy(fs, src, fs, new Path(to), false, spark.sparkContext().hadoopConfiguration());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The largest absolute and relative difference over every mean and standard deviation of the two tables. */
    static double[] maxDifference(Dataset<Row> a, Dataset<Row> b) {
        Map<String, Row> left = byKey(a);
        Map<String, Row> right = byKey(b);
        if (!left.keySet().equals(right.keySet())) {
            throw new IllegalStateException("the two statistics tables cover different groups");
        }
        double abs = 0;
        double rel = 0;
        for (String key : left.keySet()) {
            for (String field : List.of("pooled_mean", "pooled_std", "tokens_mean", "tokens_std")) {
                Row l = left.get(key);
                Row r = right.get(key);
                int i = l.fieldIndex(field);
                if (l.isNullAt(i) != r.isNullAt(i)) {
                    throw new IllegalStateException(key + " " + field + ": present in one table only");
                }
                if (l.isNullAt(i)) {
                    continue;
                }
                List<Float> x = l.getList(i);
                List<Float> y = r.getList(i);
                for (int d = 0; d < x.size(); d++) {
                    double delta = Math.abs(x.get(d) - y.get(d));
                    abs = Math.max(abs, delta);
                    rel = Math.max(rel, delta / Math.max(1e-12, Math.abs(x.get(d))));
                }
            }
        }
        return new double[]{abs, rel};
    }

    private static Map<String, Row> byKey(Dataset<Row> stats) {
        Map<String, Row> out = new HashMap<>();
        for (Row r : stats.collectAsList()) {
            out.put((r.<Boolean>getAs("all_clips") ? "*" : r.<String>getAs("group")) + "/" + r.getAs("modality"), r);
        }
        return out;
    }

    static String markdown(int pool, int groups, int newClips, int reps, List<Pass> passes, List<Double> full,
                           List<Double> incremental, double[] diff) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%n## Group statistics over a growing pool (pool %d, %d groups, %d new clips,"
                + " %d repetitions)%n%n", pool, groups, newClips, reps));
        sb.append("| pass | median s | min..max s | mode | rows added / removed | files decoded |\n");
        sb.append("|---|---|---|---|---|---|\n");
        for (Pass p : passes) {
            double min = p.seconds().stream().mapToDouble(Double::doubleValue).min().orElse(0);
            double max = p.seconds().stream().mapToDouble(Double::doubleValue).max().orElse(0);
            GroupSumsLedger.Update u = p.last();
            sb.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f..%.1f | %s | %d / %d | %d |%n", p.name(),
                    p.median(), min, max, u.mode().name().toLowerCase(Locale.ROOT), u.added(), u.removed(),
                    u.filesDecoded()));
        }
        double[] ratios = new double[full.size()];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = full.get(i) / incremental.get(i);
        }
        double[] sorted = ratios.clone();
        Arrays.sort(sorted);
        sb.append(String.format(Locale.ROOT, "%nfull / incremental, paired per repetition: median %.2fx (%s)%n",
                sorted[sorted.length / 2], String.join(", ", Arrays.stream(ratios)
                        .mapToObj(r -> String.format(Locale.ROOT, "%.2f", r)).toList())));
        sb.append(String.format(Locale.ROOT, "statistics, incremental vs full: max |difference| %.3g, max relative %.3g%n",
                diff[0], diff[1]));
        return sb.toString();
    }
}
