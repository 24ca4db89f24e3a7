package io.merspark.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;

/**
 * The student's input noise of Noisy Student for the fusion models: Gaussian noise of sd σ added to every present
 * standardised input value of a training batch, so each epoch sees each clip a little differently (on a few
 * hundred gold clips and their pseudo-labels the models otherwise fit each clip's exact features). Padding and
 * missing modalities stay zero: the noise is masked like the inputs. Drawn from the engine's generator, which the
 * trainer reseeds per fold, so a run is as reproducible as its dropout. Training batches only.
 */
final class InputNoise {

    private InputNoise() {
    }

    /**
     * {@code inputs} with noise added.
     *
     * @param inputs the encoded batch: token layout {@code [tokens_m (B,L,D), mask_m (B,L)]} per modality
     *               ({@link TokenInputs}), else {@code [features_m (B,D)]} per modality then the presence mask (B,M)
     *               ({@link FusionInputs})
     * @param sigma  the noise sd; 0 returns {@code inputs} itself
     */
    static NDList add(NDList inputs, double sigma, boolean tokens) {
        if (sigma == 0) {
            return inputs;
        }
        NDList out = new NDList(inputs.size());
        if (tokens) {
            for (int i = 0; i < inputs.size(); i += 2) {
                NDArray values = inputs.get(i);
                NDArray mask = inputs.get(i + 1);
                out.add(values.add(noise(values, sigma).mul(mask.expandDims(-1))));
                out.add(mask);
            }
        } else {
            int modalities = inputs.size() - 1;
            NDArray mask = inputs.get(modalities);
            for (int m = 0; m < modalities; m++) {
                NDArray values = inputs.get(m);
                out.add(values.add(noise(values, sigma).mul(mask.get(":, " + m).expandDims(-1))));
            }
            out.add(mask);
        }
        return out;
    }

    private static NDArray noise(NDArray like, double sigma) {
        return like.getManager().randomNormal(0f, (float) sigma, like.getShape(), DataType.FLOAT32);
    }
}
