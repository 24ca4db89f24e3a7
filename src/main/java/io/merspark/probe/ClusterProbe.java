package io.merspark.probe;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.sql.SparkSession;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.IntStream;

/**
 * A one-task-per-executor look at the cluster: runs a small job with a task for every slot, each task reports
 * what its executor JVM sees (DJL engines and their devices, the GPU addresses Spark assigned to the task,
 * Java, CPUs), and keeps one report per executor.
 */
public final class ClusterProbe {

    private ClusterProbe() {
    }

    /** The probe's result: one report per executor, and how many executors were registered when it ran. */
    public record Result(List<ExecutorReport> reports, int registeredExecutors) {
    }

    public static Result run(SparkSession spark) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int registered = registeredExecutors(spark);
        // A task for every slot, so each executor gets at least one when the scheduler spreads the first wave.
        int tasks = Math.max(jsc.defaultParallelism(), registered);
        List<Integer> slots = IntStream.range(0, tasks).boxed().toList();
        List<ExecutorReport> all = jsc.parallelize(slots, tasks)
                .mapPartitions(it -> List.of(inspect()).iterator())
                .collect();
        Map<String, ExecutorReport> perExecutor = new LinkedHashMap<>();
        all.stream()
                .sorted(Comparator.comparing(ExecutorReport::executorId).thenComparing(ExecutorReport::partition))
                .forEach(r -> perExecutor.putIfAbsent(r.executorId(), r));
        return new Result(List.copyOf(perExecutor.values()), registered);
    }

    /** Executors registered with the driver; the driver itself counts only in local mode. */
    static int registeredExecutors(SparkSession spark) {
        int withDriver = spark.sparkContext().getExecutorMemoryStatus().size();
        return spark.sparkContext().isLocal() ? 1 : Math.max(withDriver - 1, 0);
    }

    /** What this JVM and this task see; runs inside a task (or on the driver, where there are no task resources). */
    public static ExecutorReport inspect() {
        TaskContext task = TaskContext.get();
        List<String> gpus = new ArrayList<>();
        int partition = -1;
        if (task != null) {
            partition = task.partitionId();
            ResourceInformation gpu = task.resourcesJMap().get("gpu");
            if (gpu != null) {
                gpus.addAll(List.of(gpu.addresses()));
            }
        }
        String executorId = SparkEnv.get() != null ? SparkEnv.get().executorId() : "none";
        return new ExecutorReport(hostName(), executorId, partition, engines(), List.copyOf(gpus),
                System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")",
                Runtime.getRuntime().availableProcessors(),
                setting("PYTORCH_LIBRARY_PATH"), setting("PYTORCH_FLAVOR"), System.getenv("CUDA_VISIBLE_DEVICES"));
    }

    /** Every engine DJL has a provider for on the classpath, loaded (natives included) one by one. */
    static List<EngineInfo> engines() {
        List<EngineInfo> out = new ArrayList<>();
        for (String name : new TreeSet<>(Engine.getAllEngines())) {
            try {
                Engine e = Engine.getEngine(name);
                out.add(new EngineInfo(name, e.getVersion(), e.defaultDevice().toString(), e.getGpuCount(), null));
            } catch (RuntimeException | LinkageError e) {
                out.add(new EngineInfo(name, "", "", 0, e.getClass().getSimpleName() + ": " + e.getMessage()));
            }
        }
        return out;
    }

    private static String setting(String name) {
        String v = System.getenv(name);
        return v != null ? v : System.getProperty(name);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /** A fixed-width table, one row per executor and engine. */
    public static String table(Result result) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "probe: %d executor(s) answered, %d registered%n",
                result.reports().size(), result.registeredExecutors()));
        String fmt = "%-20s %-8s %-12s %-12s %-8s %4s  %-10s %-24s %4s%n";
        sb.append(String.format(Locale.ROOT, fmt, "host", "executor", "engine", "version", "device", "gpus",
                "spark-gpus", "java", "cpus"));
        for (ExecutorReport r : result.reports()) {
            for (EngineInfo e : r.engines()) {
                sb.append(String.format(Locale.ROOT, fmt, r.host(), r.executorId(), e.name(),
                        e.loaded() ? e.version() : "NOT LOADED", e.defaultDevice(), e.gpuCount(),
                        r.sparkGpuAddresses().isEmpty() ? "-" : String.join(",", r.sparkGpuAddresses()),
                        r.javaVersion().split(" ")[0], r.cpus()));
                if (!e.loaded()) {
                    sb.append("    ").append(e.name()).append(": ").append(e.error()).append(System.lineSeparator());
                }
            }
            if (r.pytorchLibraryPath() != null || r.pytorchFlavor() != null || r.cudaVisibleDevices() != null) {
                sb.append(String.format(Locale.ROOT, "    PYTORCH_LIBRARY_PATH=%s PYTORCH_FLAVOR=%s CUDA_VISIBLE_DEVICES=%s%n",
                        r.pytorchLibraryPath(), r.pytorchFlavor(), r.cudaVisibleDevices()));
            }
        }
        if (result.reports().size() < result.registeredExecutors()) {
            sb.append("warning: some executors ran no probe task (busy or lost); run the probe again").append(System.lineSeparator());
        }
        return sb.toString();
    }

    /** One JSON object per executor and line (snake_case keys), for scripts. */
    public static String jsonLines(Result result) {
        ObjectMapper mapper = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
        StringBuilder sb = new StringBuilder();
        for (ExecutorReport r : result.reports()) {
            try {
                sb.append(mapper.writeValueAsString(r)).append(System.lineSeparator());
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        return sb.toString();
    }
}
