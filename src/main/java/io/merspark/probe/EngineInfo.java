package io.merspark.probe;

import java.io.Serializable;

/**
 * One DJL engine as an executor JVM sees it: its version, default device and the GPUs it can use.
 * {@code error} is set (and the rest empty) when the engine is registered but its native library did not load.
 */
@com.fasterxml.jackson.annotation.JsonIgnoreProperties({"loaded"})
public record EngineInfo(String name, String version, String defaultDevice, int gpuCount, String error)
        implements Serializable {

    public boolean loaded() {
        return error == null;
    }
}
