package io.merspark.extract;

/**
 * One sample's encoding in one modality.
 *
 * @param pooled one vector for the whole sample (the mean of {@code tokens})
 * @param tokens the sequence the pooled vector summarises: frames, speech windows or text tokens
 */
public record Embedding(float[] pooled, float[][] tokens) {

    /** True when no value is NaN or infinite. */
    public boolean isFinite() {
        for (float v : pooled) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        for (float[] t : tokens) {
            for (float v : t) {
                if (!Float.isFinite(v)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The pooled vector is the mean of the token vectors. */
    static Embedding meanOf(float[][] tokens) {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("no tokens to pool");
        }
        float[] pooled = new float[tokens[0].length];
        for (float[] t : tokens) {
            for (int i = 0; i < pooled.length; i++) {
                pooled[i] += t[i];
            }
        }
        for (int i = 0; i < pooled.length; i++) {
            pooled[i] /= tokens.length;
        }
        return new Embedding(pooled, tokens);
    }
}
