package io.merspark.train;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Supplier;

/**
 * Trains a fold again when its kept validation logits are not finite. The same fold on the same rows and seed
 * was seen, rarely, to go NaN from its first epoch in one run and train normally in the next; the cause found
 * since was a gradient that read freed memory after a garbage collection ({@link TrackedConstants}). The retry
 * stays as a guard against any such fault: a round that spends hours scoring should not be lost to it, so the
 * fold is retrained, from the same seed, up to {@link #ATTEMPTS} times in all; a fold that stays non-finite is
 * deterministic and the ensemble is refused by {@link FusionTrainer} with the fold's number.
 */
final class FiniteFoldRetry {

    static final int ATTEMPTS = 3;
    private static final Logger LOG = LoggerFactory.getLogger(FiniteFoldRetry.class);

    private FiniteFoldRetry() {
    }

    static FoldResult train(int fold, Supplier<FoldResult> training) {
        FoldResult result = training.get();
        for (int attempt = 2; attempt <= ATTEMPTS && !FusionTrainer.finite(result); attempt++) {
            LOG.warn("fold {}: non-finite validation logits; training it again from the same seed (attempt {} of {})",
                    fold, attempt, ATTEMPTS);
            result = training.get();
        }
        return result;
    }
}
