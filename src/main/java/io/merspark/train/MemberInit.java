package io.merspark.train;

import java.io.Serializable;

/**
 * Where a warm-started member begins: the parameters (DJL {@code Block.saveParameters} bytes) and the feature
 * standardisation of the previous round's member of the same fold. Serializable: it travels with its
 * {@link FoldJob} to an executor.
 */
public record MemberInit(FeatureScaler scaler, byte[] params) implements Serializable {

    public MemberInit {
        if (scaler == null || params == null || params.length == 0) {
            throw new IllegalArgumentException("a member init needs a scaler and parameters");
        }
    }
}
