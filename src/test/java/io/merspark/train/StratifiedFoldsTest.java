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
}
