package io.merspark.train;

import java.util.ArrayList;
import java.util.List;

/**
 * Training rows addressed by index, read a batch at a time. Labels and weights are small and always at
 * hand (fold assignment and class weights need them); the features are read only for the rows asked for,
 * so an implementation may keep them on disk ({@link TokenCache}).
 */
public interface SampleSource {

    int size();

    int label(int row);

    float weight(int row);

    /** The rows at the given indices, in that order. */
    List<FusionSample> read(int[] rows);

    /** An in-memory list as a source. */
    static SampleSource of(List<FusionSample> samples) {
        List<FusionSample> copy = List.copyOf(samples);
        return new SampleSource() {
            @Override
            public int size() {
                return copy.size();
            }

            @Override
            public int label(int row) {
                return copy.get(row).label();
            }

            @Override
            public float weight(int row) {
                return copy.get(row).weight();
            }

            @Override
            public List<FusionSample> read(int[] rows) {
                List<FusionSample> out = new ArrayList<>(rows.length);
                for (int r : rows) {
                    out.add(copy.get(r));
                }
                return out;
            }
        };
    }
}
