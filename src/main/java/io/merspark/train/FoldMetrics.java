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
 */
public record FoldMetrics(int fold, double waf, double accuracy, int bestEpoch, int epochsRun,
                          int trainSize, int validationSize) {
}
