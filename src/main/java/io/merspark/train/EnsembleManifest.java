package io.merspark.train;

import java.util.List;

/**
 * The {@code ensemble.json} written next to the members' parameter files.
 *
 * @param format  layout version of this file
 * @param spec    the exact spec the ensemble was trained with
 * @param classes class names in label-index order (also in the spec; here for readers of the file)
 * @param members one entry per fold, in fold order
 * @param temperature T of the calibrated probabilities softmax(logits / T); null in files written before it (T = 1)
 */
record EnsembleManifest(int format, TrainSpec spec, List<String> classes, List<Member> members, Double temperature) {

    static final int FORMAT = 1;
    static final String FILE = "ensemble.json";

    /**
     * @param params  file name of the member's parameters (DJL {@code Block.saveParameters} layout)
     * @param scaler  the member's feature standardisation
     * @param metrics the member's validation result
     * @param sha256  SHA-256 of the parameter file, checked before it is loaded (null in files written before it)
     */
    record Member(String params, FeatureScaler scaler, FoldMetrics metrics, String sha256) {
    }
}
