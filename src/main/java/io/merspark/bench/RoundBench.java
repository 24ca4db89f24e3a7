package io.merspark.bench;

import io.merspark.config.Settings;
import io.merspark.ingest.ManifestColumns;
import io.merspark.io.Layout;
import io.merspark.pipeline.JobContext;
import io.merspark.pipeline.RoundStages;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

import static org.apache.spark.sql.functions.col;

/**
 * {@code bench round --pool N}: a scaled root made from a finished one (its train and test rows, plus N unlabeled
 * rows that are copies of its real feature rows under new sample ids, built by Spark joins, never collected), then
 * rounds 1–2 through the round's real stages, measuring per stage the wall time, rows/s, the driver's heap peak,
 * the driver's local disk taken by the token cache, and the shuffle bytes the tasks wrote.
 */
public final class RoundBench {

    private final SparkSession spark;
    private final Function<List<String>, Settings> settingsWith;

    public RoundBench(SparkSession spark, Function<List<String>, Settings> settingsWith) {
        this.spark = spark;
        this.settingsWith = settingsWith;
    }

    /**
     * One stage's figures. {@code taskSeconds}, {@code taskCpuSeconds} and {@code taskGcSeconds} sum the tasks' run,
     * CPU and garbage-collection times on the executors; {@code driverCpuSeconds} is the driver process's CPU time
     * while the stage ran. Together they say whether a slower stage did more work, waited, or collected garbage.
     */
    public record Stage(int round, String stage, double seconds, long rows, long heapPeakBytes, long diskPeakBytes,
                        long shuffleBytes, double taskSeconds, double taskCpuSeconds, double taskGcSeconds,
                        double driverCpuSeconds) {
    }

    /** Builds {@code <source>/round-bench/pool-N/} (once) and runs rounds 1–2 in it. */
    public List<Stage> run(String sourceRoot, int pool, PrintStream out) {
        return run(sourceRoot, pool, 0, out);
    }

    /** As {@link #run(String, int, PrintStream)}; with {@code groups} &gt; 0 in {@code pool-N-groups-G/}, every clip in one of G groups. */
    public List<Stage> run(String sourceRoot, int pool, int groups, PrintStream out) {
        String name = pool + (groups > 0 ? "-groups-" + groups : "");
        String root = sourceRoot + "/round-bench/pool-" + name;
        Layout source = new Layout(sourceRoot);
        Layout scaled = new Layout(root);
        JobContext ctx = JobContext.of(spark, settingsWith.apply(List.of("mer.root=\"" + root + "\"")));
        if (!ctx.storage().exists(scaled.features())) {
            ScaledRoot.build(spark, source, scaled, pool, groups, ctx.storage());
        }
        ctx.storage().delete(root + "/rounds"); // every run measures rounds 1-2 afresh
        ShuffleBytes shuffle = new ShuffleBytes();
        spark.sparkContext().addSparkListener(shuffle);
        List<Stage> stages = new ArrayList<>();
        try {
            RoundStages round = new RoundStages(ctx);
            long gold = count(scaled, ManifestColumns.TRAIN);
            long test = count(scaled, ManifestColumns.TEST);
            for (int r = 1; r <= 2; r++) {
                int rr = r;
                Map<String, Object>[] info = new Map[1];
                stages.add(measure(r, "train", shuffle, () -> {
                    info[0] = round.train(rr);
                    return ((Number) info[0].get("n_train")).longValue();
                }));
                stages.add(measure(r, "score", shuffle, () -> round.score(rr)));
                stages.add(measure(r, "select", shuffle, () -> {
                    round.select(rr);
                    return ctx.spark().read().parquet(scaled.scores(rr)).count();
                }));
                stages.add(measure(r, "evaluate", shuffle, () -> {
                    round.evaluate(rr, info[0]);
                    return test;
                }));
                out.println("round " + r + ": trained on " + info[0].get("n_train") + " rows (gold " + gold
                        + ")" + (info[0].containsKey("fold_placement") ? ", folds on the " + info[0].get("fold_placement") : "")
                        + ", pseudo budget " + info[0].get("pseudo_budget"));
            }
        } finally {
            spark.sparkContext().removeSparkListener(shuffle);
        }
        String md = markdown(pool, stages);
        out.print(md);
        write(Paths.get(sourceRoot, "round-bench", "round-bench-" + name + ".md"), md);
        write(Paths.get(sourceRoot, "round-bench", "round-bench-" + name + ".json"), json(pool, stages));
        return stages;
    }

    private long count(Layout layout, String split) {
        return spark.read().parquet(layout.manifest()).where(col(ManifestColumns.SPLIT).equalTo(split)).count();
    }

    private static Stage measure(int round, String name, ShuffleBytes shuffle, LongSupplier stage) {
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        System.gc();
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
        shuffle.reset();
        DiskWatch disk = new DiskWatch();
        long cpu0 = driverCpuNanos();
        long t0 = System.nanoTime();
        long rows;
        try {
            rows = stage.getAsLong();
        } finally {
            disk.stop();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double driverCpu = (driverCpuNanos() - cpu0) / 1e9;
        long heapPeak = heap.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        return new Stage(round, name, seconds, rows, heapPeak, disk.peak.get(), shuffle.bytes.get(),
                shuffle.runMillis.get() / 1e3, shuffle.cpuNanos.get() / 1e9, shuffle.gcMillis.get() / 1e3, driverCpu);
    }

    private static long driverCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
    }

    /** Shuffle bytes, run, CPU and GC time of every task that ends while a stage runs. */
    private static final class ShuffleBytes extends SparkListener {
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong runMillis = new AtomicLong();
        final AtomicLong cpuNanos = new AtomicLong();
        final AtomicLong gcMillis = new AtomicLong();

        void reset() {
            bytes.set(0);
            runMillis.set(0);
            cpuNanos.set(0);
            gcMillis.set(0);
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            if (end.taskMetrics() != null) {
                bytes.addAndGet(end.taskMetrics().shuffleWriteMetrics().bytesWritten());
                runMillis.addAndGet(end.taskMetrics().executorRunTime());
                cpuNanos.addAndGet(end.taskMetrics().executorCpuTime());
                gcMillis.addAndGet(end.taskMetrics().jvmGCTime());
            }
        }
    }

    /** Samples the size of the training token caches in java.io.tmpdir (where training spills them) every 200 ms. */
    private static final class DiskWatch {
        final AtomicLong peak = new AtomicLong();
        private final Thread thread;
        private volatile boolean running = true;

        DiskWatch() {
            thread = new Thread(() -> {
                while (running) {
                    peak.accumulateAndGet(cacheBytes(), Math::max);
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "round-bench-disk");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() {
            running = false;
            thread.interrupt();
        }

        private static long cacheBytes() {
            try (Stream<Path> files = Files.list(Paths.get(System.getProperty("java.io.tmpdir")))) {
                return files.filter(f -> f.getFileName().toString().startsWith("mer-train-"))
                        .mapToLong(f -> f.toFile().length()).sum();
            } catch (IOException e) {
                return 0;
            }
        }
    }

    static String markdown(int pool, List<Stage> stages) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "pool %d unlabeled rows%n%n| round | stage | wall s | rows | rows/s | driver heap peak MiB"
                        + " | driver disk MiB | shuffle MiB | task s (CPU s, GC s) | driver CPU s |%n"
                        + "|---|---|---|---|---|---|---|---|---|---|%n", pool));
        for (Stage s : stages) {
            b.append(String.format(Locale.ROOT, "| %d | %s | %.1f | %d | %.1f | %.0f | %.1f | %.1f | %.1f (%.1f, %.1f) | %.1f |%n",
                    s.round(), s.stage(), s.seconds(), s.rows(), s.rows() / Math.max(s.seconds(), 1e-9),
                    s.heapPeakBytes() / 1048576.0, s.diskPeakBytes() / 1048576.0, s.shuffleBytes() / 1048576.0,
                    s.taskSeconds(), s.taskCpuSeconds(), s.taskGcSeconds(), s.driverCpuSeconds()));
        }
        for (int r = 1; r <= 2; r++) {
            int rr = r;
            double total = stages.stream().filter(s -> s.round() == rr).mapToDouble(Stage::seconds).sum();
            double scoreSelect = stages.stream().filter(s -> s.round() == rr
                    && (s.stage().equals("score") || s.stage().equals("select"))).mapToDouble(Stage::seconds).sum();
            b.append(String.format(Locale.ROOT, "%nround %d: %.1f s in all, score + select %.0f %%", r, total,
                    100 * scoreSelect / total));
        }
        return b.append("\n").toString();
    }

    private static String json(int pool, List<Stage> stages) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Stage s : stages) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("round", s.round());
            m.put("stage", s.stage());
            m.put("seconds", s.seconds());
            m.put("rows", s.rows());
            m.put("driver_heap_peak_bytes", s.heapPeakBytes());
            m.put("driver_disk_peak_bytes", s.diskPeakBytes());
            m.put("shuffle_write_bytes", s.shuffleBytes());
            m.put("task_seconds", s.taskSeconds());
            m.put("task_cpu_seconds", s.taskCpuSeconds());
            m.put("task_gc_seconds", s.taskGcSeconds());
            m.put("driver_cpu_seconds", s.driverCpuSeconds());
            rows.add(m);
        }
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter()
                    .writeValueAsString(Map.of("pool", pool, "stages", rows));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
