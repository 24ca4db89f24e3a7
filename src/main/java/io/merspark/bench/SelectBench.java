package io.merspark.bench;

import io.merspark.select.PseudoLabelSelector;
import io.merspark.select.SelectionSettings;
import io.merspark.select.SelectionSettings.Agreement;
import io.merspark.select.SelectionSettings.Quota;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

/**
 * Throughput of each selection strategy on synthetic score tables. Per size the table is generated once and
 * stored as Parquet (as the round's scores are), then each strategy's whole selection, including the
 * aggregations FlexMatch and FreeMatch collect, runs over it and is forced with a noop write. A {@code scan}
 * row (read and noop write, no selection) is the floor the strategies are compared with. Driver heap is
 * measured after a GC before and after each run: nothing row-sized is collected, but in local mode the
 * executors share the driver's JVM, so what Spark retains for them (e.g. sort and shuffle memory) shows too.
 */
public final class SelectBench {

    public static final List<String> CLASSES = List.of("neutral", "angry", "happy", "sad", "worried", "surprise");
    public static final double THRESHOLD = 0.7;
    static final long SEED = 42;
    private static final int WARMUP_ROWS = 20_000;

    /** One measured run. */
    public record Measurement(long rows, String strategy, long accepted, double seconds,
                              double heapBeforeMiB, double heapAfterMiB) {
        public double rowsPerSecond() {
            return rows / seconds;
        }
    }

    private SelectBench() {
    }

    /** Runs every strategy on every size in a temporary directory and returns the formatted report. */
    public static String run(SparkSession spark, int[] sizes) {
        Path work;
        try {
            work = Files.createTempDirectory("select-bench");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            return report(spark, measure(spark, sizes, work));
        } finally {
            deleteRecursively(work);
        }
    }

    public static List<Measurement> measure(SparkSession spark, int[] sizes, Path work) {
        // the first runs pay for class loading and JIT; keep them out of the table
        Dataset<Row> warmup = stored(spark, WARMUP_ROWS, work.resolve("warmup"));
        strategies(WARMUP_ROWS).forEach(s -> time(spark, warmup, WARMUP_ROWS, s));

        List<Measurement> out = new ArrayList<>();
        for (int n : sizes) {
            Dataset<Row> scores = stored(spark, n, work.resolve("scores-" + n));
            out.add(time(spark, scores, n, null));
            for (SelectionSettings s : strategies(n)) {
                out.add(time(spark, scores, n, s));
            }
        }
        return out;
    }

    /** fixed, classwise, flexmatch, freematch, then the modifiers on their own. */
    static List<SelectionSettings> strategies(long rows) {
        // class-wise: 0.05 steps around the fixed threshold, 0.8 for neutral down to 0.55 for surprise
        List<Double> classThresholds = IntStream.range(0, CLASSES.size())
                .mapToObj(c -> THRESHOLD + 0.05 * (2 - c)).toList();
        return List.of(
                SelectionSettings.fixed(CLASSES, THRESHOLD),
                SelectionSettings.classWise(CLASSES, classThresholds),
                SelectionSettings.flexMatch(CLASSES, THRESHOLD),
                SelectionSettings.freeMatch(CLASSES),
                SelectionSettings.quota(CLASSES, Quota.top((int) Math.max(1, rows / 20))),
                SelectionSettings.agreement(CLASSES, Agreement.unanimous().withMaxSpread(0.1)));
    }

    private static Dataset<Row> stored(SparkSession spark, long rows, Path dir) {
        SyntheticScores.generate(spark, rows, SEED).write().parquet(dir.toString());
        return spark.read().parquet(dir.toString());
    }

    /** Times one selection (or the bare scan when {@code settings} is null) end to end. */
    private static Measurement time(SparkSession spark, Dataset<Row> scores, long rows, SelectionSettings settings) {
        double before = heapUsedMiB();
        long start = System.nanoTime();
        Dataset<Row> selected = settings == null ? scores : PseudoLabelSelector.select(settings, scores);
        Observation accepted = new Observation("accepted");
        selected.observe(accepted, count(lit(1)).as("rows")).write().format("noop").mode("overwrite").save();
        double seconds = (System.nanoTime() - start) / 1e9;
        long n = observedRows(accepted);
        return new Measurement(rows, settings == null ? "scan" : settings.strategyName(), n, seconds, before,
                heapUsedMiB());
    }

    private static long observedRows(Observation observation) {
        try {
            return ((Number) observation.getAsJava().get("rows")).longValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the accepted-row count", e);
        }
    }

    private static double heapUsedMiB() {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        return (rt.totalMemory() - rt.freeMemory()) / (1024.0 * 1024.0);
    }

    public static String report(SparkSession spark, List<Measurement> measurements) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "select benchmark: %d classes, %d members, threshold %.2f, master %s%n",
                CLASSES.size(), SyntheticScores.MEMBERS, THRESHOLD, spark.sparkContext().master()));
        sb.append(String.format(Locale.ROOT, "%10s  %-10s  %10s  %8s  %12s  %16s%n",
                "rows", "strategy", "accepted", "seconds", "rows/s", "heap MiB (GC'd)"));
        for (Measurement m : measurements) {
            sb.append(String.format(Locale.ROOT, "%10d  %-10s  %10d  %8.2f  %12.0f  %7.1f -> %6.1f%n",
                    m.rows(), m.strategy(), m.accepted(), m.seconds(), m.rowsPerSecond(),
                    m.heapBeforeMiB(), m.heapAfterMiB()));
        }
        return sb.toString();
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
