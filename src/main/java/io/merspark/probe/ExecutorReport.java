package io.merspark.probe;

import java.io.Serializable;
import java.util.List;

/** What one task saw on its executor: host, Spark ids and resources, DJL engines, JVM and CPUs. */
public record ExecutorReport(
        String host,
        String executorId,
        int partition,
        List<EngineInfo> engines,
        List<String> sparkGpuAddresses,
        String javaVersion,
        int cpus,
        String pytorchLibraryPath,
        String pytorchFlavor,
        String cudaVisibleDevices) implements Serializable {

    public EngineInfo engine(String name) {
        return engines.stream().filter(e -> e.name().equals(name)).findFirst().orElse(null);
    }
}
