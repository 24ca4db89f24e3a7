package io.merspark.extract;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Loads an ONNX file through DJL's ONNX Runtime engine; each encoder then opens predictors with its own translator. */
public final class OnnxModels {

    /** DJL's switch that keeps ONNX Runtime from loading PyTorch as its alternative engine. */
    static final String NO_ALTERNATIVE = "ai.djl.onnx.disable_alternative";

    static {
        // The encoders' translators only create and read arrays, which ONNX Runtime's own NDArrays do; loading the
        // PyTorch natives as the "alternative engine" cost every executor start-up time and memory for nothing.
        if (System.getProperty(NO_ALTERNATIVE) == null) {
            System.setProperty(NO_ALTERNATIVE, "true");
        }
    }

    private OnnxModels() {
    }

    /**
     * @param device  the DJL device (ONNX Runtime uses CUDA only when its GPU build is on the classpath)
     * @param threads intra-op threads of this session: keep it at the cores of one Spark task to avoid oversubscription
     */
    public static ZooModel<NDList, NDList> load(Path onnx, Device device, int threads) {
        Criteria<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(onnx)
                .optEngine("OnnxRuntime")
                .optDevice(device)
                .optOption("intraOpNumThreads", Integer.toString(Math.max(1, threads)))
                .optOption("interOpNumThreads", "1")
                .build();
        try {
            return criteria.loadModel();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model " + onnx, e);
        } catch (ModelNotFoundException | MalformedModelException e) {
            throw new IllegalArgumentException("cannot load ONNX model " + onnx + ": " + e.getMessage(), e);
        }
    }

    /** "cpu" → the CPU, "gpu" → GPU 0 (the encoders' constructors for direct use; tasks pick via {@link TaskDevices}). */
    static Device device(String name) {
        return "gpu".equalsIgnoreCase(name) ? Device.gpu() : Device.cpu();
    }

    /** ONNX Runtime may return outputs in session order, so outputs are picked by name. */
    public static NDArray output(NDList outputs, String name) {
        for (NDArray a : outputs) {
            if (name.equals(a.getName())) {
                return a;
            }
        }
        java.util.List<String> names = new java.util.ArrayList<>();
        outputs.forEach(a -> names.add(a.getName()));
        throw new IllegalStateException("model output '" + name + "' missing; got " + names);
    }

    /** Splits a flat row-major [rows, width] array into rows. */
    static float[][] rows(float[] flat, int offsetRow, int rows, int width) {
        float[][] out = new float[rows][];
        for (int r = 0; r < rows; r++) {
            out[r] = java.util.Arrays.copyOfRange(flat, (offsetRow + r) * width, (offsetRow + r + 1) * width);
        }
        return out;
    }
}
