package io.merspark.train;

/**
 * One training or scoring row for the fusion model.
 *
 * @param sampleId corpus identifier, used in error messages
 * @param features one pooled vector per modality, in the order of {@link TrainSpec#modalities()};
 *                 an entry is {@code null} when that modality is missing for the sample
 * @param label    class index, or {@link #UNKNOWN} for unlabelled rows
 * @param weight   loss weight in (0, 1] for pseudo-labelled rows, 1 for gold labels (0 is allowed and mutes the row)
 * @param tokens   per modality, the token sequence {@code (tokens, width)} the {@link AudioGuidedTransformer}
 *                 reads ({@code null} when missing); {@code null} as a whole for rows of the pooled baseline
 */
public record FusionSample(String sampleId, float[][] features, int label, float weight, float[][][] tokens) {

    public static final int UNKNOWN = -1;

    /** A row of pooled vectors only (the attention baseline). */
    public FusionSample(String sampleId, float[][] features, int label, float weight) {
        this(sampleId, features, label, weight, null);
    }

    /** A gold-labelled row (weight 1). */
    public static FusionSample labelled(String sampleId, float[][] features, int label) {
        return new FusionSample(sampleId, features, label, 1f);
    }

    /** Whether modality {@code m} is present (in the tokens when there are any, else in the pooled vectors). */
    public boolean has(int m) {
        return tokens != null ? tokens[m] != null : features != null && features[m] != null;
    }

    /** The same row without modality {@code m}, in both views. */
    FusionSample without(int m) {
        float[][] f = features == null ? null : features.clone();
        if (f != null) {
            f[m] = null;
        }
        float[][][] t = tokens == null ? null : tokens.clone();
        if (t != null) {
            t[m] = null;
        }
        return new FusionSample(sampleId, f, label, weight, t);
    }
}
