package io.merspark.select;

import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static io.merspark.select.ConfidenceFilterTest.sorted;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(SparkTestSession.class)
class FreeMatchThresholdFilterTest {

    static final List<String> CLASSES = List.of(Scores.CLASSES);

    /** Mean confidence 2.5625 / 5; mean class probabilities [1.8125, 1.25, 0.625, 0.4375, 0.3125, 0.5625] / 5. */
    static Dataset<Row> roundOne(SparkSession spark) {
        return new Scores()
                .addProbs("r1", 0.5f, 0.25f, 0.125f, 0.125f, 0f, 0f)
                .addProbs("r2", 0.75f, 0.25f, 0f, 0f, 0f, 0f)
                .addProbs("r3", 0.25f, 0.5f, 0.25f, 0f, 0f, 0f)
                .addProbs("r4", 0f, 0f, 0f, 0.25f, 0.25f, 0.5f)
                .addProbs("r5", 0.3125f, 0.25f, 0.25f, 0.0625f, 0.0625f, 0.0625f)
                .toDF(spark);
    }

    /** Mean confidence 0.75; mean class probabilities [0.5, 0.25, 0.25, 0, 0, 0]. */
    static Dataset<Row> roundTwo(SparkSession spark) {
        return new Scores()
                .addProbs("q1", 1f, 0f, 0f, 0f, 0f, 0f)
                .addProbs("q2", 0f, 0.5f, 0.5f, 0f, 0f, 0f)
                .toDF(spark);
    }

    static FreeMatchThresholdFilter filter() {
        return new FreeMatchThresholdFilter().setClasses(Scores.CLASSES);
    }

    // round 1 from tau_0 = p_0(c) = 1/6 with lambda = 0.5: x_1 = x_0 / 2 + mean / 2
    static final double TAU_1 = 1.0 / 12 + 2.5625 / 10;
    static final double[] P_1 = {1.0 / 12 + 1.8125 / 10, 1.0 / 12 + 1.25 / 10, 1.0 / 12 + 0.625 / 10,
            1.0 / 12 + 0.4375 / 10, 1.0 / 12 + 0.3125 / 10, 1.0 / 12 + 0.5625 / 10};

    @Test
    void firstRoundUpdatesTheInitialStateAndFiltersByLocalThresholds(SparkSession spark) {
        FreeMatchThresholdFilter first = filter().setRound(1);

        FreeMatchState state = first.updatedState(roundOne(spark));

        assertEquals(0.3395833333333333, TAU_1, 1e-15);
        assertEquals(TAU_1, state.globalThreshold(), 1e-9);
        assertArrayEquals(P_1, state.classProbabilities().stream().mapToDouble(Double::doubleValue).toArray(), 1e-9);
        double[] local = state.localThresholds();
        for (int c = 0; c < 6; c++) {
            assertEquals(P_1[c] / P_1[0] * TAU_1, local[c], 1e-9);   // neutral has the largest p_1
        }
        // r5 (0.3125) is below neutral's tau_1 = 0.33958; r3 (angry, 0.5) and r4 (surprise, 0.5) pass theirs
        assertEquals(List.of(
                        List.of("r1", "neutral", 1.0, "freematch", 1),
                        List.of("r2", "neutral", 1.0, "freematch", 1),
                        List.of("r3", "angry", 1.0, "freematch", 1),
                        List.of("r4", "surprise", 1.0, "freematch", 1)),
                sorted(first.transform(roundOne(spark))).stream().map(ConfidenceFilterTest::fields).toList());
    }

    @Test
    void secondRoundContinuesFromTheStoredState(SparkSession spark) {
        String stored = filter().updatedState(roundOne(spark)).toJson();
        FreeMatchThresholdFilter second = filter().setRound(2).setPreviousState(FreeMatchState.fromJson(stored));

        FreeMatchState state = second.updatedState(roundTwo(spark));

        double tau2 = TAU_1 / 2 + 0.75 / 2;
        double[] mean2 = {0.5, 0.25, 0.25, 0, 0, 0};
        double[] p2 = new double[6];
        for (int c = 0; c < 6; c++) {
            p2[c] = P_1[c] / 2 + mean2[c] / 2;
        }
        assertEquals(0.5447916666666667, tau2, 1e-15);
        assertEquals(tau2, state.globalThreshold(), 1e-9);
        assertArrayEquals(p2, state.classProbabilities().stream().mapToDouble(Double::doubleValue).toArray(), 1e-9);
        // angry: 0.2291667 / 0.3822917 * 0.5447917 = 0.32657 <= 0.5
        assertEquals(0.2291666666666667 / 0.3822916666666667 * tau2, state.localThresholds()[1], 1e-9);
        assertEquals(List.of("q1", "q2"),
                sorted(second.transform(roundTwo(spark))).stream().map(r -> r.<String>getAs("sample_id")).toList());
    }

    @Test
    void momentumWeighsThePreviousState(SparkSession spark) {
        FreeMatchState kept = filter().setMomentum(1.0).updatedState(roundTwo(spark));
        FreeMatchState replaced = filter().setMomentum(0.0).updatedState(roundTwo(spark));

        assertEquals(FreeMatchState.initial(CLASSES), kept);
        assertEquals(0.75, replaced.globalThreshold(), 1e-9);
        assertEquals(List.of(0.5, 0.25, 0.25, 0.0, 0.0, 0.0), replaced.classProbabilities());
        assertEquals(0.5, filter().getMomentum());
    }

    @Test
    void anEmptyPoolLeavesTheStateUnchanged(SparkSession spark) {
        FreeMatchState previous = new FreeMatchState(CLASSES, 0.6, List.of(0.5, 0.1, 0.1, 0.1, 0.1, 0.1));
        Dataset<Row> empty = roundTwo(spark).limit(0);

        assertEquals(previous, filter().setPreviousState(previous).updatedState(empty));
    }

    @Test
    void stateJsonRoundTrip() {
        FreeMatchState state = new FreeMatchState(CLASSES, TAU_1, java.util.Arrays.stream(P_1).boxed().toList());

        String json = state.toJson();

        assertTrue(json.contains("\"global_threshold\""), json);
        assertEquals(state, FreeMatchState.fromJson(json));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> FreeMatchState.fromJson("{\"classes\": [\"a\"], \"class_probabilities\": [1.0]}"));
        assertTrue(missing.getMessage().contains("'global_threshold'"), missing.getMessage());
        IllegalArgumentException misaligned = assertThrows(IllegalArgumentException.class, () -> FreeMatchState
                .fromJson("{\"classes\": [\"a\", \"b\"], \"global_threshold\": 0.5, \"class_probabilities\": [1.0]}"));
        assertTrue(misaligned.getMessage().contains("1 class probabilities for 2 classes"), misaligned.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FreeMatchState.fromJson("not json"));
    }

    @Test
    void schemaValidationNamesTheColumn(SparkSession spark) {
        Dataset<Row> scores = roundTwo(spark);

        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> filter().transform(scores.drop("probs")));
        assertTrue(missing.getMessage().contains("'probs'"), missing.getMessage());
        IllegalArgumentException notArray = assertThrows(IllegalArgumentException.class,
                () -> filter().setProbabilitiesCol("confidence").transform(scores));
        assertTrue(notArray.getMessage().contains("'confidence' must be an array"), notArray.getMessage());
        IllegalArgumentException misaligned = assertThrows(IllegalArgumentException.class,
                () -> filter().setPreviousThreshold(0.5).setPreviousClassProbabilities(0.5, 0.5).transform(scores));
        assertTrue(misaligned.getMessage().contains("2 previous class probabilities for 6 classes"),
                misaligned.getMessage());
        IllegalArgumentException half = assertThrows(IllegalArgumentException.class,
                () -> filter().setPreviousThreshold(0.5).transform(scores));
        assertTrue(half.getMessage().contains("'previousClassProbabilities'"), half.getMessage());
    }

    @Test
    void savesAndLoadsWithThePreviousState(@TempDir Path dir) throws Exception {
        FreeMatchState previous = new FreeMatchState(CLASSES, 0.6, List.of(0.5, 0.1, 0.1, 0.1, 0.1, 0.1));
        String path = dir.resolve("freematch").toString();
        filter().setMomentum(0.9).setPreviousState(previous).setRound(3).save(path);

        FreeMatchThresholdFilter loaded = FreeMatchThresholdFilter.load(path);

        assertEquals(previous, loaded.previousState());
        assertEquals(0.9, loaded.getMomentum());
        assertEquals(3, loaded.getRound());
        assertEquals("probs", loaded.getProbabilitiesCol());
    }
}
