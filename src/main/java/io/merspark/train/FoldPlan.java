package io.merspark.train;

import java.util.Arrays;

/**
 * Which training rows may validate, and which must stay together. Only gold rows go into validation folds:
 * a pseudo-label agrees with the model that made it, so validating on it rewards that agreement instead of
 * accuracy (early stopping and {@code cv_waf} would drift upwards with every round). Pseudo-labelled rows
 * train every fold. Rows of one group (speaker, actor, show) share a fold, so the out-of-fold figures are
 * speaker-independent.
 *
 * @param gold   per row (in source order), whether its label is gold
 * @param groups per row, its group id, or {@code null} for no grouping (then each row is its own group);
 *               {@code null} as a whole when the corpus has no groups
 */
public record FoldPlan(boolean[] gold, String[] groups) {

    public FoldPlan {
        if (groups != null && groups.length != gold.length) {
            throw new IllegalArgumentException("groups (" + groups.length + ") and gold (" + gold.length + ") differ in length");
        }
    }

    /** Every row gold, no groups: plain stratified k-fold over all rows. */
    public static FoldPlan allGold(int rows) {
        boolean[] gold = new boolean[rows];
        Arrays.fill(gold, true);
        return new FoldPlan(gold, null);
    }

    public int goldCount() {
        int n = 0;
        for (boolean g : gold) {
            n += g ? 1 : 0;
        }
        return n;
    }

    public boolean grouped() {
        return groups != null && Arrays.stream(groups).anyMatch(g -> g != null);
    }
}
