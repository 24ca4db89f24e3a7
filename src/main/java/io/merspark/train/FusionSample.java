package io.merspark.train;

/**
 * One training or scoring row for the fusion model.
 *
 * @param sampleId corpus identifier, used in error messages
 * @param features one pooled vector per modality, in the order of {@link TrainSpec#modalities()};
 *                 an entry is {@code null} when that modality is missing for the sample
 * @param label    class index, or {@link #UNKNOWN} for unlabelled rows
 * @param weight   loss weight in (0, 1] for pseudo-labelled rows, 1 for gold labels (0 is allowed and mutes the row)
 */
public record FusionSample(String sampleId, float[][] features, int label, float weight) {

    public static final int UNKNOWN = -1;

    /** A gold-labelled row (weight 1). */
    public static FusionSample labelled(String sampleId, float[][] features, int label) {
        return new FusionSample(sampleId, features, label, 1f);
    }
}
