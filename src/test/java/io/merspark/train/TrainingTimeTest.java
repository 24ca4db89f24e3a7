package io.merspark.train;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The default spec (5 folds, hidden 128, up to 60 epochs) at the real feature widths, timed. */
@Tag("slow")
class TrainingTimeTest {

    @Test
    void fiveFoldsOnRealisticWidths(@TempDir Path dir) throws Exception {
        int[] dims = {256, 96, 384};
        SyntheticFusionData data = new SyntheticFusionData(dims, 0.25, 1.0, 21);
        List<FusionSample> samples = data.samples(250, 0.2, 4);
        TrainSpec spec = SyntheticFusionData.spec(dims).seed(1).build();

        long start = System.nanoTime();
        try (FusionEnsemble ensemble = new FusionTrainer().train(samples, spec)) {
            double seconds = (System.nanoTime() - start) / 1e9;
            ensemble.save(dir);
            long bytes;
            try (Stream<Path> files = Files.list(dir)) {
                bytes = files.mapToLong(p -> p.toFile().length()).sum();
            }
            int epochs = ensemble.foldMetrics().stream().mapToInt(FoldMetrics::epochsRun).sum();
            System.out.printf("5-fold training on %d rows (dims 256/96/384): %.1f s, %d epochs (%.0f ms each),"
                    + " mean val WAF %.3f, saved %d KB%n", samples.size(), seconds, epochs, 1000 * seconds / epochs,
                    ensemble.meanValidationWaf(), bytes / 1024);
            assertEquals(5, ensemble.size());
            assertTrue(ensemble.meanValidationWaf() > 0.8, "mean WAF " + ensemble.meanValidationWaf());
        }
    }
}
