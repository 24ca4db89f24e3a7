package io.merspark.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Stratified k-fold assignment: each class's rows are shuffled with the seed and dealt round-robin to the
 * folds, continuing where the previous class stopped so fold sizes differ by at most one.
 */
final class StratifiedFolds {

    private StratifiedFolds() {
    }

    /** Fold index per row. */
    static int[] assign(int[] labels, int numClasses, int folds, long seed) {
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < numClasses; c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < labels.length; i++) {
            byClass.get(labels[i]).add(i);
        }
        Random random = new Random(seed);
        int[] fold = new int[labels.length];
        int next = 0;
        for (List<Integer> rows : byClass) {
            java.util.Collections.shuffle(rows, random);
            for (int row : rows) {
                fold[row] = next;
                next = (next + 1) % folds;
            }
        }
        return fold;
    }
}
