package io.merspark.train;

import ai.djl.Device;
import ai.djl.engine.Engine;

/** Maps the spec's device names onto DJL devices of the PyTorch engine. */
final class FusionDevices {

    /** The fusion model always runs on PyTorch: ONNX Runtime is also on the classpath but cannot train. */
    static final String ENGINE = "PyTorch";

    private FusionDevices() {
    }

    static Engine engine() {
        return Engine.getEngine(ENGINE);
    }

    static Device resolve(String name) {
        return switch (name) {
            case "cpu" -> Device.cpu();
            case "gpu" -> {
                if (engine().getGpuCount() == 0) {
                    throw new IllegalArgumentException("device gpu requested but the PyTorch engine sees no GPU");
                }
                yield Device.gpu();
            }
            case "auto" -> engine().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
            default -> throw new IllegalArgumentException("device must be cpu, gpu or auto, was " + name);
        };
    }
}
