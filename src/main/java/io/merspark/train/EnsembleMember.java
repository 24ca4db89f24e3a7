package io.merspark.train;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;

import java.io.IOException;
import java.util.List;

/**
 * One fold's trained block, ready for inference. The parameters are kept as the bytes of
 * {@code Block.saveParameters} so that a freshly trained member and one read back from disk are built
 * the same way. The model is shared; every prediction call opens its own {@link Predictor}.
 */
final class EnsembleMember implements AutoCloseable {

    /** Rows per forward pass: bounds native memory on large scoring inputs. */
    static final int CHUNK = 512;

    private final Model model;
    private final FeatureScaler scaler;
    private final FoldMetrics metrics;
    private final byte[] params;
    private final TrainSpec spec;

    private EnsembleMember(Model model, FeatureScaler scaler, FoldMetrics metrics, byte[] params, TrainSpec spec) {
        this.model = model;
        this.scaler = scaler;
        this.metrics = metrics;
        this.params = params;
        this.spec = spec;
    }

    static EnsembleMember create(TrainSpec spec, Device device, FeatureScaler scaler, FoldMetrics metrics,
                                 byte[] params) {
        Model model = Model.newInstance(spec.model() + "-fusion-" + metrics.fold(), device, FusionDevices.ENGINE);
        try {
            model.setBlock(FusionModels.block(spec));
            FusionModels.loadParameters(model, params);
            return new EnsembleMember(model, scaler, metrics, params.clone(), spec);
        } catch (IOException | MalformedModelException | RuntimeException e) {
            model.close();
            throw new IllegalStateException("cannot load parameters of member " + metrics.fold(), e);
        }
    }

    float[][] predictLogits(List<FusionSample> rows) {
        float[][] out = new float[rows.size()][];
        try (Predictor<List<FusionSample>, float[][]> predictor = model.newPredictor(new FusionTranslator(scaler, spec))) {
            for (int start = 0; start < rows.size(); start += CHUNK) {
                int end = Math.min(rows.size(), start + CHUNK);
                float[][] part = predictor.predict(rows.subList(start, end));
                System.arraycopy(part, 0, out, start, part.length);
            }
        } catch (TranslateException e) {
            throw new IllegalStateException("fusion member " + metrics.fold() + " failed to predict", e);
        }
        return out;
    }

    FeatureScaler scaler() {
        return scaler;
    }

    FoldMetrics metrics() {
        return metrics;
    }

    byte[] params() {
        return params.clone();
    }

    @Override
    public void close() {
        model.close();
    }
}
