package io.merspark.extract;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Where a task runs its encoders, and with how many threads. With {@code device = gpu|auto} the GPU that Spark
 * assigned to the task ({@code spark.task.resource.gpu.amount}; {@code TaskContext.resources().get("gpu")}) picks
 * {@code Device.gpu(index)}; when Spark assigned none (local mode) the engine's first GPU is used if it has one.
 * A GPU the ONNX Runtime engine cannot see (its CPU build, or no CUDA) falls back to the CPU with a log line.
 * Threads are the task's cores ({@code spark.task.cpus}).
 */
public final class TaskDevices {

    private static final Logger LOG = LoggerFactory.getLogger(TaskDevices.class);
    private static final String ENGINE = "OnnxRuntime";
    private static volatile Integer engineGpus;

    private TaskDevices() {
    }

    /** The running task's device for {@code configured} ("cpu", "gpu" or "auto"); the CPU outside a task. */
    public static Device forTask(String configured) {
        if ("cpu".equals(configured)) {
            return Device.cpu();
        }
        TaskContext task = TaskContext.get();
        String[] addresses = new String[0];
        if (task != null) {
            Map<String, ResourceInformation> resources = scala.jdk.javaapi.CollectionConverters.asJava(task.resources());
            ResourceInformation gpu = resources.get("gpu");
            if (gpu != null) {
                addresses = gpu.addresses();
            }
        }
        return select(configured, addresses, engineGpuCount(), System.getenv("CUDA_VISIBLE_DEVICES"));
    }

    /** The running task's cores ({@code spark.task.cpus}); {@code fallback} outside a task. */
    public static int threadsForTask(int fallback) {
        TaskContext task = TaskContext.get();
        return task == null ? fallback : Math.max(1, task.cpus());
    }

    /**
     * The decision, separated from Spark and the engine for tests.
     *
     * @param configured         "cpu", "gpu" or "auto"
     * @param assigned           the task's GPU addresses from Spark (empty when none was assigned)
     * @param visibleGpus        GPUs the engine sees
     * @param cudaVisibleDevices the executor's CUDA_VISIBLE_DEVICES, or null: when the cluster manager isolates GPUs
     *                           this way, a Spark address is a physical id and its position in this list the index
     */
    static Device select(String configured, String[] assigned, int visibleGpus, String cudaVisibleDevices) {
        if ("cpu".equals(configured)) {
            return Device.cpu();
        }
        if (!"gpu".equals(configured) && !"auto".equals(configured)) {
            throw new IllegalArgumentException("device: cpu, gpu or auto, got " + configured);
        }
        if (assigned.length == 0) {
            if (visibleGpus > 0) {
                return Device.gpu(0);
            }
            log(configured, "device = " + configured + " but no GPU is visible to the " + ENGINE
                    + " engine and Spark assigned none to this task: using the CPU");
            return Device.cpu();
        }
        int index = engineIndex(assigned[0], cudaVisibleDevices);
        if (index >= 0 && index < visibleGpus) {
            return Device.gpu(index);
        }
        log(configured, "Spark assigned GPU " + Arrays.toString(assigned) + " to this task but the " + ENGINE
                + " engine sees " + visibleGpus + " GPU(s) (CPU build or no CUDA?): using the CPU");
        return Device.cpu();
    }

    private static int engineIndex(String address, String cudaVisibleDevices) {
        if (cudaVisibleDevices != null && !cudaVisibleDevices.isBlank()) {
            List<String> visible = Arrays.stream(cudaVisibleDevices.split(",")).map(String::trim).toList();
            int at = visible.indexOf(address.trim());
            if (at >= 0) {
                return at;
            }
        }
        try {
            return Integer.parseInt(address.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void log(String configured, String message) {
        if ("gpu".equals(configured)) {
            LOG.warn(message);
        } else {
            LOG.info(message);
        }
    }

    private static int engineGpuCount() {
        Integer n = engineGpus;
        if (n == null) {
            try {
                n = Engine.getEngine(ENGINE).getGpuCount();
            } catch (RuntimeException | UnsatisfiedLinkError e) {
                LOG.warn("cannot ask {} for GPUs ({}): using the CPU", ENGINE, e.toString());
                n = 0;
            }
            engineGpus = n;
        }
        return n;
    }
}
