package io.merspark.extract;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Loads an encoder file of any of the contracts' kinds by its extension: {@code .onnx} through ONNX Runtime, a
 * TorchScript file ({@code .pt}, {@code .torchscript}) through DJL's PyTorch engine. TorchScript outputs carry no
 * names, so outputs are picked by name where the engine names them and by position otherwise.
 */
final class EncoderModels {

    private EncoderModels() {
    }

    static boolean isTorchScript(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".pt") || name.endsWith(".torchscript") || name.endsWith(".ts");
    }

    static ZooModel<NDList, NDList> load(Path file, Device device, int threads) {
        if (!isTorchScript(file)) {
            return OnnxModels.load(file, device, threads);
        }
        Criteria<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(file)
                .optEngine("PyTorch")
                .optDevice(device)
                .build();
        try {
            return criteria.loadModel();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model " + file, e);
        } catch (ModelNotFoundException | MalformedModelException e) {
            throw new IllegalArgumentException("cannot load TorchScript model " + file + ": " + e.getMessage(), e);
        }
    }

    /** The output named {@code name}; the first output when the engine gives no names (TorchScript). */
    static NDArray output(NDList outputs, String name) {
        if (unnamed(outputs)) {
            return outputs.get(0);
        }
        return OnnxModels.output(outputs, name);
    }

    /** Hidden state {@code k}: exports that return all hidden states give them after the main output, in order. */
    static NDArray hiddenState(NDList outputs, int k) {
        List<NDArray> states = outputs.subList(1, outputs.size());
        if (k < 0 || k >= states.size()) {
            throw new IllegalArgumentException("hidden state " + k + " asked for, the model returns " + states.size());
        }
        return states.get(k);
    }

    /** Hidden states after the main output. */
    static int hiddenStates(NDList outputs) {
        return outputs.size() - 1;
    }

    /** Row-major float values; fp16 (or bf16, fp64) exports are widened. */
    static float[] floats(NDArray a) {
        return a.getDataType() == DataType.FLOAT32 ? a.toFloatArray() : a.toType(DataType.FLOAT32, false).toFloatArray();
    }

    private static boolean unnamed(NDList outputs) {
        for (NDArray a : outputs) {
            if (a.getName() != null && !a.getName().isEmpty()) {
                return false;
            }
        }
        return true;
    }
}
