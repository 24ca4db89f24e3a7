package io.merspark.extract;

import java.util.Map;

/**
 * What an extraction run did: per modality, rows in, features written and errors written; and how many models the
 * tasks loaded (once per executor JVM and model, when the cache works).
 */
public record ExtractSummary(Map<Modality, Counts> perModality, long modelLoads, long truncatedTexts) {

    public ExtractSummary {
        perModality = Map.copyOf(perModality);
    }

    /** Rows of one modality. */
    public record Counts(long rowsIn, long featuresOut, long errors) {
        /** Every input row is accounted for: a feature row or an error row. */
        public boolean balanced() {
            return rowsIn == featuresOut + errors;
        }
    }

    public Counts of(Modality m) {
        Counts c = perModality.get(m);
        if (c == null) {
            throw new IllegalArgumentException("modality not extracted: " + m.key());
        }
        return c;
    }

    /** True when, for every modality, rows in == features out + errors. */
    public boolean balanced() {
        return perModality.values().stream().allMatch(Counts::balanced);
    }

    /** Fails with the counts when a row went missing or was written twice. */
    public ExtractSummary requireBalanced() {
        if (!balanced()) {
            throw new IllegalStateException("extraction lost or duplicated rows: " + perModality);
        }
        return this;
    }
}
