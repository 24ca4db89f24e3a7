package io.merspark.extract;

import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

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

    /** Nothing extracted for these modalities (an --only-new run with nothing new). */
    public static ExtractSummary empty(Set<Modality> modalities) {
        Map<Modality, Counts> zero = new EnumMap<>(Modality.class);
        modalities.forEach(m -> zero.put(m, new Counts(0, 0, 0)));
        return new ExtractSummary(zero, 0, 0);
    }

    /** The two runs together: counts added per modality (a modality of either run is in the sum). */
    public ExtractSummary plus(ExtractSummary other) {
        Map<Modality, Counts> sum = new EnumMap<>(Modality.class);
        sum.putAll(perModality);
        other.perModality.forEach((m, c) -> sum.merge(m, c, (a, b) ->
                new Counts(a.rowsIn + b.rowsIn, a.featuresOut + b.featuresOut, a.errors + b.errors)));
        return new ExtractSummary(sum, modelLoads + other.modelLoads, truncatedTexts + other.truncatedTexts);
    }

    public long featuresOut() {
        return perModality.values().stream().mapToLong(Counts::featuresOut).sum();
    }

    public long errors() {
        return perModality.values().stream().mapToLong(Counts::errors).sum();
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
