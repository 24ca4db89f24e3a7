package io.merspark.train;

import java.io.Serializable;

/**
 * What a fold leaves behind: its scaler, its best parameters (the bytes of {@code Block.saveParameters}), how
 * good they were, and the best epoch's logits on the validation rows (in validation order) that temperature
 * scaling is fitted on. Serializable: a fold trained on an executor comes back to the driver as one.
 */
public record FoldResult(FeatureScaler scaler, byte[] params, FoldMetrics metrics, float[][] validationLogits)
        implements Serializable {
}
