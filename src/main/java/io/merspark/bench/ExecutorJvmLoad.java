package io.merspark.bench;

import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import scala.Tuple3;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What each executor JVM has spent besides its tasks: JIT compilation and garbage collection, read from the
 * executor's own MXBeans by a small Spark job. On a machine with as many cores as executors those threads take
 * their time from the task threads, so a rate measured while the compilers are still busy is not a steady rate
 * (and one executor's is helped by the idle core). The extract bench warms each cluster until the compilers are
 * {@link #quiet} before it measures.
 */
public final class ExecutorJvmLoad {

    /** Warm until the executors' compilers take less than this share of their cores over one run. */
    static final double QUIET_JIT_SHARE = 0.02;

    private ExecutorJvmLoad() {
    }

    /** Cumulative milliseconds one executor JVM has spent compiling and collecting since it started. */
    public record Sample(long compileMs, long gcMs) {
    }

    /** Compile and GC time over an interval, as a share of the executors' cores (1 = every core all the time). */
    public record Share(double jit, double gc) {
        public String describe() {
            return String.format(java.util.Locale.ROOT, "JIT %.1f %%, GC %.1f %% of the executors' cores",
                    100 * jit, 100 * gc);
        }
    }

    /**
     * The cumulative counters of every executor, by executor id. Tasks land where the scheduler puts them, so the
     * job has several short tasks per executor and is repeated (up to 5 times) until every executor answered.
     */
    public static Map<String, Sample> sample(SparkSession spark, int executors) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int tasks = 4 * Math.max(1, executors);
        List<Integer> slots = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            slots.add(i);
        }
        Map<String, Sample> latest = new TreeMap<>();
        for (int attempt = 0; attempt < 5 && latest.size() < executors; attempt++) {
            List<Tuple3<String, Long, Long>> answers = jsc.parallelize(slots, tasks)
                    .mapPartitions(ignored -> {
                        Thread.sleep(20);   // short enough to be cheap, long enough that one executor cannot take all
                        return List.of(read()).iterator();
                    })
                    .collect();
            for (Tuple3<String, Long, Long> a : answers) {
                latest.merge(a._1(), new Sample(a._2(), a._3()),
                        (x, y) -> new Sample(Math.max(x.compileMs(), y.compileMs()), Math.max(x.gcMs(), y.gcMs())));
            }
        }
        return latest;
    }

    /** This JVM's counters, with the executor id Spark gave it ("driver" in local mode). */
    static Tuple3<String, Long, Long> read() {
        long gc = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            gc += Math.max(0, b.getCollectionTime());
        }
        long compile = ManagementFactory.getCompilationMXBean().isCompilationTimeMonitoringSupported()
                ? ManagementFactory.getCompilationMXBean().getTotalCompilationTime() : 0;
        SparkEnv env = SparkEnv.get();
        return new Tuple3<>(env == null ? "driver" : env.executorId(), compile, gc);
    }

    /**
     * The share of the executors' cores spent compiling and collecting between two samples {@code seconds} apart.
     * An executor missing from either sample is left out (and its core with it).
     */
    public static Share between(Map<String, Sample> before, Map<String, Sample> after, double seconds) {
        long compile = 0;
        long gc = 0;
        int seen = 0;
        for (Map.Entry<String, Sample> e : after.entrySet()) {
            Sample b = before.get(e.getKey());
            if (b == null) {
                continue;
            }
            compile += e.getValue().compileMs() - b.compileMs();
            gc += e.getValue().gcMs() - b.gcMs();
            seen++;
        }
        if (seen == 0 || seconds <= 0) {
            return new Share(Double.NaN, Double.NaN);
        }
        double coreMs = seconds * 1000 * seen;
        return new Share(compile / coreMs, gc / coreMs);
    }

    /** Seconds all executors spent compiling from {@code from} to {@code to}; an executor new since counts from 0. */
    public static double compileSeconds(Map<String, Sample> from, Map<String, Sample> to) {
        long ms = 0;
        for (Map.Entry<String, Sample> e : to.entrySet()) {
            Sample f = from.get(e.getKey());
            ms += e.getValue().compileMs() - (f == null ? 0 : f.compileMs());
        }
        return ms / 1000.0;
    }

    /** True when the compilers took less than {@link #QUIET_JIT_SHARE} of the cores (an unknown share is not quiet). */
    public static boolean quiet(Share share) {
        return share.jit() < QUIET_JIT_SHARE;
    }
}
