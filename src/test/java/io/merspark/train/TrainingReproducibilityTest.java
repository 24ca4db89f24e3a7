package io.merspark.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which MKL_CBWR values make MKL's kernels reproducible regardless of buffer alignment: strict modes, COMPATIBLE. */
class TrainingReproducibilityTest {

    @Test
    void onlyStrictModesAndCompatibleCount() {
        assertTrue(TrainingReproducibility.reproducible(TrainingReproducibility.MKL_CBWR_VALUE));
        assertTrue(TrainingReproducibility.reproducible("avx2,strict"));
        assertFalse(TrainingReproducibility.reproducible("AUTO"));
        assertTrue(TrainingReproducibility.reproducible("COMPATIBLE"));
        assertFalse(TrainingReproducibility.reproducible(""));
        assertFalse(TrainingReproducibility.reproducible(null));
    }

    @Test
    void theBuildRunsTheTestsStrict() {
        // surefire's environment (pom.xml): the trainings these tests compare byte for byte rely on it
        assertTrue(TrainingReproducibility.reproducible(System.getenv(TrainingReproducibility.MKL_CBWR)));
    }
}
