package io.merspark.train;

import java.io.Serializable;

/**
 * One member's training: fold {@code fold} trains on {@code train} and early-stops on {@code validation}
 * (row indices of the training set's {@link SampleSource}; validation rows are gold only), from fresh
 * parameters or, when {@code init} is given, from an earlier member's ({@link MemberInit}).
 */
public record FoldJob(int fold, int[] train, int[] validation, MemberInit init) implements Serializable {

    public FoldJob(int fold, int[] train, int[] validation) {
        this(fold, train, validation, null);
    }

    /** This job starting from {@code from}. */
    FoldJob startingFrom(MemberInit from) {
        return new FoldJob(fold, train, validation, from);
    }
}
