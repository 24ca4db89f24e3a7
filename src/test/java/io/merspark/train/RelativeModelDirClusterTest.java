package io.merspark.train;

import io.merspark.bench.LocalCluster;
import io.merspark.score.EnsembleScorer;
import io.merspark.testing.SparkTestSession;
import org.apache.commons.io.FileUtils;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A project root given as a relative path (the demo's {@code demo-out}) works on executors that run in working
 * directories of their own ({@code local-cluster}): the scorer qualifies the round's model directory on the driver
 * before the tasks look for it. Own Surefire execution with the other {@code cluster} tests.
 */
@Tag("cluster")
@Tag("slow")
class RelativeModelDirClusterTest {

    @Test
    void executorsScoreWithAModelDirectoryRelativeToTheDriversWorkingDirectory() throws Exception {
        // relative to the test JVM's working directory (the project), which no executor shares
        Path relative = Path.of("target", "relative-model-" + UUID.randomUUID(), "round=1", "model");
        Path absolute = relative.toAbsolutePath();
        SyntheticFusionData data = SyntheticFusionData.small(5);
        List<FusionSample> rows = data.samples(12, 0.0, 77);
        SparkSession spark = LocalCluster.start("mer-spark-relative-model-test", 1, 1024);
        try {
            assertTrue(!relative.isAbsolute() && Files.isDirectory(SparkTestSession.projectDir().resolve("target")));
            try (FusionEnsemble e = new FusionTrainer().train(data.samples(60, 0.0, 3),
                    SyntheticFusionData.quickSpec().maxEpochs(2).build())) {
                e.save(absolute);
            }
            List<Row> scored = new EnsembleScorer(relative.toString(), "cpu", SyntheticFusionData.MODALITIES, 5)
                    .score(WideFrames.of(spark, rows).repartition(2)).orderBy("sample_id").collectAsList();
            assertEquals(12, scored.size());
            for (Row r : scored) {
                List<Object> probs = r.getList(r.fieldIndex("probs"));
                double sum = 0;
                for (Object p : probs) {
                    sum += ((Number) p).doubleValue();
                }
                assertEquals(1.0, sum, 1e-5, r.getString(0));
            }
        } finally {
            LocalCluster.stop(spark);
            FileUtils.deleteQuietly(absolute.getParent().getParent().toFile());
        }
    }
}
