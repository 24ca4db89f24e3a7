package io.merspark.train;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Stratified k-fold assignment: each class's rows are shuffled with the seed and dealt round-robin to the
 * folds, continuing where the previous class stopped so fold sizes differ by at most one. With groups, a
 * stratified <em>group</em> k-fold: whole groups are dealt, each to the fold whose class proportions it
 * unbalances least (the greedy rule of scikit-learn's {@code StratifiedGroupKFold}).
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

    /**
     * Fold index per row with every row of a group in one fold. A {@code null} group is a group of its own.
     * Groups are taken largest and most class-skewed first (ties in a seeded random order), each to the fold
     * that keeps the per-class fold shares most even, ties to the smaller fold.
     */
    static int[] assignGrouped(int[] labels, String[] groups, int numClasses, int folds, long seed) {
        Map<String, List<Integer>> members = new LinkedHashMap<>();
        for (int i = 0; i < labels.length; i++) {
            String g = groups[i] == null ? "\u0000row-" + i : groups[i];
            members.computeIfAbsent(g, k -> new ArrayList<>()).add(i);
        }
        List<List<Integer>> order = new ArrayList<>(members.values());
        java.util.Collections.shuffle(order, new Random(seed));
        double[] classTotal = new double[numClasses];
        for (int l : labels) {
            classTotal[l]++;
        }
        order.sort(Comparator.comparingDouble((List<Integer> g) -> -skew(g, labels, numClasses)));
        double[][] count = new double[folds][numClasses];
        int[] size = new int[folds];
        int[] fold = new int[labels.length];
        for (List<Integer> g : order) {
            double[] add = new double[numClasses];
            for (int row : g) {
                add[labels[row]]++;
            }
            int best = -1;
            double bestCost = Double.POSITIVE_INFINITY;
            for (int f = 0; f < folds; f++) {
                double cost = spreadAfter(count, add, f, classTotal);
                if (cost < bestCost - 1e-12 || (Math.abs(cost - bestCost) <= 1e-12 && size[f] < size[best])) {
                    best = f;
                    bestCost = cost;
                }
            }
            for (int c = 0; c < numClasses; c++) {
                count[best][c] += add[c];
            }
            size[best] += g.size();
            for (int row : g) {
                fold[row] = best;
            }
        }
        return fold;
    }

    /** Standard deviation of the group's class counts: skewed groups are placed first, while folds are empty. */
    private static double skew(List<Integer> group, int[] labels, int numClasses) {
        double[] n = new double[numClasses];
        for (int row : group) {
            n[labels[row]]++;
        }
        double mean = group.size() / (double) numClasses;
        double var = 0;
        for (double v : n) {
            var += (v - mean) * (v - mean);
        }
        return group.size() * 1e3 + Math.sqrt(var / numClasses);
    }

    /** Mean over classes of the std across folds of each fold's share of that class, if {@code add} went to {@code f}. */
    private static double spreadAfter(double[][] count, double[] add, int f, double[] classTotal) {
        int folds = count.length;
        double sum = 0;
        for (int c = 0; c < classTotal.length; c++) {
            if (classTotal[c] == 0) {
                continue;
            }
            double mean = 0;
            double[] share = new double[folds];
            for (int k = 0; k < folds; k++) {
                share[k] = (count[k][c] + (k == f ? add[c] : 0)) / classTotal[c];
                mean += share[k];
            }
            mean /= folds;
            double var = 0;
            for (double v : share) {
                var += (v - mean) * (v - mean);
            }
            sum += Math.sqrt(var / folds);
        }
        return sum / classTotal.length;
    }
}
