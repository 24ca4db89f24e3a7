package io.merspark.train;

import ai.djl.ndarray.NDArray;

/**
 * Softmax cross-entropy where each row counts with its sample weight: {@code mean_b(w_b · −log p_b[y_b])}.
 * Averaging over the batch size (not the weight sum) keeps a batch of low-confidence pseudo-labels from
 * being scaled back up to full strength, and a batch whose weights are all zero gives zero gradient.
 */
final class WeightedCrossEntropy {

    private WeightedCrossEntropy() {
    }

    /**
     * @param logits  (B, C)
     * @param oneHot  (B, C) float one-hot targets
     * @param weights (B) sample weights
     * @return scalar loss
     */
    static NDArray loss(NDArray logits, NDArray oneHot, NDArray weights) {
        NDArray nll = logits.logSoftmax(1).mul(oneHot).sum(new int[] {1}).neg();
        return nll.mul(weights).mean();
    }
}
