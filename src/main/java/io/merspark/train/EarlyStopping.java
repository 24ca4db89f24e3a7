package io.merspark.train;

/**
 * Early stopping of one fold: which epoch is the best so far, by the fold's validation WAF or cross-entropy
 * ({@link TrainSpec#stopOn()}), and when the fold ends: at {@code maxEpochs}, or after {@code patience} epochs
 * without a better score. The first epoch is always the best so far, so a fold keeps some parameters even when
 * its scores are not finite (the ensemble then refuses the fold's logits with a reason).
 */
final class EarlyStopping {

    private final boolean onLoss;
    private final int patience;
    private final int maxEpochs;
    private double bestScore = Double.NEGATIVE_INFINITY;
    private int bestEpoch = -1;
    private int epochs;
    private int sinceBest;

    EarlyStopping(String stopOn, int patience, int maxEpochs) {
        this.onLoss = TrainSpec.STOP_ON_LOSS.equals(stopOn);
        this.patience = patience;
        this.maxEpochs = maxEpochs;
    }

    /** Records one finished epoch's validation WAF and mean cross-entropy; true when it is the new best. */
    boolean offer(double waf, double loss) {
        double score = onLoss ? -loss : waf;
        boolean better = bestEpoch < 0 || score > bestScore;
        if (better) {
            bestScore = score;
            bestEpoch = epochs;
            sinceBest = 0;
        } else {
            sinceBest++;
        }
        epochs++;
        return better;
    }

    boolean done() {
        return epochs >= maxEpochs || sinceBest >= patience;
    }

    /** Epochs the fold may still run (the bound its progress line's ETA uses). */
    int epochsLeft() {
        return Math.max(0, Math.min(maxEpochs - epochs, patience - sinceBest));
    }

    int bestEpoch() {
        return bestEpoch;
    }

    int epochs() {
        return epochs;
    }
}
