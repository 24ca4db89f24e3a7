package io.merspark.train;

/**
 * Validation result of one fold's member, at its best epoch.
 *
 * @param fold           fold index (0-based)
 * @param waf            weighted F1 on the fold's validation rows
 * @param accuracy       accuracy on the fold's validation rows
 * @param bestEpoch      epoch (0-based) whose parameters the member keeps
 * @param epochsRun      epochs trained before early stopping or {@code maxEpochs}
 * @param trainSize      training rows of the fold
 * @param validationSize validation rows of the fold
 * @param confusion      validation confusion {@code [truth][pred]} at the best epoch (null in older models);
 *                       summed over folds it is the ensemble's out-of-fold confusion, which BBSE needs
 */
public record FoldMetrics(int fold, double waf, double accuracy, int bestEpoch, int epochsRun,
                          int trainSize, int validationSize, long[][] confusion) implements java.io.Serializable {

    /** By value, the confusion included (records compare arrays by reference). */
    @Override
    public boolean equals(Object o) {
        return o instanceof FoldMetrics f && fold == f.fold && Double.compare(waf, f.waf) == 0
                && Double.compare(accuracy, f.accuracy) == 0 && bestEpoch == f.bestEpoch && epochsRun == f.epochsRun
                && trainSize == f.trainSize && validationSize == f.validationSize
                && java.util.Arrays.deepEquals(confusion, f.confusion);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(fold, waf, accuracy, bestEpoch, epochsRun, trainSize, validationSize,
                java.util.Arrays.deepHashCode(confusion));
    }

    @Override
    public String toString() {
        return "FoldMetrics[fold=" + fold + ", waf=" + waf + ", accuracy=" + accuracy + ", bestEpoch=" + bestEpoch
                + ", epochsRun=" + epochsRun + ", trainSize=" + trainSize + ", validationSize=" + validationSize
                + ", confusion=" + java.util.Arrays.deepToString(confusion) + "]";
    }
}
