package io.merspark.extract;

import io.merspark.testing.SparkTestSession;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Partition counts of the extract job: by rows, at least three per core, in whole waves of the cores. */
class ExtractPartitionsTest {

    private static final ExtractSpec SPEC = ExtractSpec.defaults(SparkTestSession.projectDir().resolve("models"))
            .withRowsPerPartition(64).withPartitionsPerCore(3);

    @Test
    void theDemoCorpusFillsWholeWavesOfTheCores() {
        // 704 rows of 64 are 11 partitions: on 2 cores the 11th would run alone, so 12 of 58-59 rows
        assertEquals(12, FeatureExtractor.partitions(704, SPEC, 2));
        assertEquals(11, FeatureExtractor.partitions(704, SPEC, 1));
        assertEquals(24, FeatureExtractor.partitions(704, SPEC, 8), "three per core: 3 waves of 8");
        assertEquals(15, FeatureExtractor.partitions(704, SPEC.withRowsPerPartition(50), 5), "15 of 50 rows");
        assertEquals(16, FeatureExtractor.partitions(704, SPEC.withRowsPerPartition(50), 4), "15 of 50, 4 waves of 4");
    }

    @Test
    void smallInputsGetThreePartitionsPerCoreButNeverMoreThanRows() {
        assertEquals(6, FeatureExtractor.partitions(100, SPEC, 2));
        assertEquals(5, FeatureExtractor.partitions(5, SPEC, 2));
        assertEquals(1, FeatureExtractor.partitions(0, SPEC, 2));
    }

    @Test
    void largeInputsAreSplitByRowsInWholeWaves() {
        assertEquals(15_632, FeatureExtractor.partitions(1_000_000, SPEC, 16)); // 15 625 rounded up to 977 waves
        assertEquals(15_625, FeatureExtractor.partitions(1_000_000, SPEC, 1));
    }
}
