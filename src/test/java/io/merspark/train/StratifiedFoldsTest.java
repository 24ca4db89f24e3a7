package io.merspark.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StratifiedFoldsTest {

    @Test
    void spreadsEveryClassEvenlyAndIsSeeded() {
        int[] labels = new int[103];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i < 60 ? 0 : i < 90 ? 1 : 2;   // imbalanced 60 / 30 / 13
        }
        int[] folds = StratifiedFolds.assign(labels, 3, 5, 1);
        int[][] perClass = new int[3][5];
        int[] perFold = new int[5];
        for (int i = 0; i < labels.length; i++) {
            perClass[labels[i]][folds[i]]++;
            perFold[folds[i]]++;
        }
        assertArrayEquals(new int[] {12, 12, 12, 12, 12}, perClass[0]);
        assertArrayEquals(new int[] {6, 6, 6, 6, 6}, perClass[1]);
        for (int f = 0; f < 5; f++) {
            assertTrue(perClass[2][f] == 2 || perClass[2][f] == 3);
            assertTrue(perFold[f] == 20 || perFold[f] == 21, "fold sizes differ by at most one");
        }
        assertArrayEquals(folds, StratifiedFolds.assign(labels, 3, 5, 1));
        assertFalse(java.util.Arrays.equals(folds, StratifiedFolds.assign(labels, 3, 5, 2)));
        assertEquals(103, java.util.Arrays.stream(perFold).sum());
    }

    @Test
    void groupFoldsKeepEveryGroupTogetherAndStayBalanced() {
        // 12 speakers x 6 classes x 3 clips, speakers 0-5 with an extra neutral clip
        java.util.List<Integer> labels = new java.util.ArrayList<>();
        java.util.List<String> groups = new java.util.ArrayList<>();
        for (int g = 0; g < 12; g++) {
            for (int c = 0; c < 6; c++) {
                for (int k = 0; k < (c == 0 && g < 6 ? 4 : 3); k++) {
                    labels.add(c);
                    groups.add("actor" + g);
                }
            }
        }
        int[] y = labels.stream().mapToInt(Integer::intValue).toArray();
        String[] grp = groups.toArray(String[]::new);
        int[] folds = StratifiedFolds.assignGrouped(y, grp, 6, 5, 7);
        java.util.Map<String, java.util.Set<Integer>> foldsOfGroup = new java.util.HashMap<>();
        int[] perFold = new int[5];
        for (int i = 0; i < y.length; i++) {
            foldsOfGroup.computeIfAbsent(grp[i], k -> new java.util.HashSet<>()).add(folds[i]);
            perFold[folds[i]]++;
        }
        foldsOfGroup.forEach((g, f) -> assertEquals(1, f.size(), g + " split over folds " + f));
        for (int f = 0; f < 5; f++) {
            // 12 groups of 18-19 rows over 5 folds: 2 or 3 groups each
            assertTrue(perFold[f] >= 36 && perFold[f] <= 57, "fold " + f + " has " + perFold[f] + " rows");
        }
        assertArrayEquals(folds, StratifiedFolds.assignGrouped(y, grp, 6, 5, 7));
    }

    @Test
    void nullGroupsAreGroupsOfOne() {
        int[] labels = {0, 1, 0, 1, 0, 1, 0, 1, 0, 1};
        String[] groups = new String[labels.length];
        int[] folds = StratifiedFolds.assignGrouped(labels, groups, 2, 5, 3);
        int[][] perClass = new int[2][5];
        for (int i = 0; i < labels.length; i++) {
            perClass[labels[i]][folds[i]]++;
        }
        assertArrayEquals(new int[] {1, 1, 1, 1, 1}, perClass[0]);
        assertArrayEquals(new int[] {1, 1, 1, 1, 1}, perClass[1]);
    }

    @Test
    void pseudoLabelledRowsNeverValidate() {
        java.util.List<FusionSample> rows = new java.util.ArrayList<>();
        boolean[] gold = new boolean[30];
        String[] groups = new String[30];
        for (int i = 0; i < 30; i++) {
            rows.add(FusionSample.labelled("s" + i, new float[][] {{i}}, i % 3));
            gold[i] = i < 20;
            groups[i] = gold[i] ? "g" + (i % 10) : null;
        }
        TrainSpec spec = TrainSpec.builder(java.util.List.of("audio"), new int[] {1}, java.util.List.of("a", "b", "c"))
                .folds(5).build();
        int[] folds = FusionTrainer.folds(SampleSource.of(rows), spec, new FoldPlan(gold, groups));
        for (int i = 20; i < 30; i++) {
            assertEquals(-1, folds[i], "pseudo-labelled row " + i + " is in a validation fold");
        }
        for (int i = 0; i < 20; i++) {
            assertTrue(folds[i] >= 0 && folds[i] < 5);
            assertEquals(folds[i % 10], folds[i], "rows of group g" + (i % 10) + " share a fold");
        }
        // every row gold and no groups: exactly the plain stratified split
        int[] labels = rows.stream().mapToInt(FusionSample::label).toArray();
        assertArrayEquals(StratifiedFolds.assign(labels, 3, 5, spec.seed()),
                FusionTrainer.folds(SampleSource.of(rows), spec, FoldPlan.allGold(30)));
    }
}
