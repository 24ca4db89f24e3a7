package io.merspark.train;

import java.io.Serializable;

/**
 * One member's training: fold {@code fold} trains on {@code train} and early-stops on {@code validation}
 * (row indices of the training set's {@link SampleSource}; validation rows are gold only).
 */
public record FoldJob(int fold, int[] train, int[] validation) implements Serializable {
}
