package io.merspark.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Training-time modality dropout: each present modality of a sample is dropped with probability p, so the
 * model learns to predict from whatever subset arrives at inference. A sample always keeps at least one
 * modality: when every present one was drawn for dropping, one of them (chosen at random) is kept.
 * Never applied at inference.
 */
public final class ModalityDropout {

    private final double p;
    private final Random random;

    public ModalityDropout(double p, long seed) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("modality dropout must be in [0, 1), was " + p);
        }
        this.p = p;
        this.random = new Random(seed);
    }

    /** The sample with its dropped modalities removed (the same instance when nothing is dropped). */
    public FusionSample apply(FusionSample sample, int modalities) {
        if (p == 0) {
            return sample;
        }
        List<Integer> present = new ArrayList<>(modalities);
        List<Integer> dropped = new ArrayList<>(modalities);
        for (int m = 0; m < modalities; m++) {
            if (sample.has(m)) {
                present.add(m);
                if (random.nextDouble() < p) {
                    dropped.add(m);
                }
            }
        }
        if (dropped.isEmpty()) {
            return sample;
        }
        if (dropped.size() == present.size()) {
            dropped.remove(random.nextInt(dropped.size()));
        }
        FusionSample out = sample;
        for (int m : dropped) {
            out = out.without(m);
        }
        return out;
    }
}
