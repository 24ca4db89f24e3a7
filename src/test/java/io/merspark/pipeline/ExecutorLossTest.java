package io.merspark.pipeline;

import io.merspark.bench.LocalCluster;
import io.merspark.extract.ExtractSummary;
import io.merspark.extract.Modality;
import io.merspark.testing.ExecutorKiller;
import io.merspark.testing.RoundOutputs;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * On {@code local-cluster[2,1,1024]}, one executor JVM is killed in the middle of extraction, and again in the
 * middle of scoring: Spark retries the lost tasks on the executors left, and the outputs equal an undisturbed
 * run's, bit for bit. Runs in the {@code cluster} Surefire execution (a JVM of its own).
 */
@Tag("cluster")
@Tag("slow")
class ExecutorLossTest {

    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = LocalCluster.start("mer-spark-executor-loss-test", 2, 1024);
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            LocalCluster.stop(spark);
        }
    }

    @Test
    void extractionAndScoringSurviveALostExecutor(@TempDir Path dir) {
        ExecutorKiller killer = ExecutorKiller.register(spark);
        JobContext undisturbed = context(dir.resolve("undisturbed"));
        JobContext disturbed = context(dir.resolve("disturbed"));
        IngestStage.run(undisturbed, undisturbed.settings().manifest());
        IngestStage.run(disturbed, disturbed.settings().manifest());

        ExtractSummary quiet = ExtractStage.run(undisturbed);
        killer.arm();
        ExtractSummary survived = ExtractStage.run(disturbed);
        assertTrue(killer.killedPid() > 0, "an executor was killed during extraction");
        assertTrue(killer.failedTasks() > 0, "Spark saw the lost task(s)");
        for (Modality m : Modality.values()) {
            assertEquals(new ExtractSummary.Counts(36, 36, 0), survived.of(m), m.key());
        }
        assertEquals(quiet.perModality(), survived.perModality());
        RoundOutputs.assertSameFeatures(spark, undisturbed.layout().root(), disturbed.layout().root());

        // One model (trained on the driver, from the disturbed run's features) scored twice: quietly, then losing an
        // executor in the middle.
        RoundStages stages = new RoundStages(disturbed);
        stages.train(1);
        stages.score(1);
        List<Row> quietScores = spark.read().parquet(disturbed.layout().scores(1)).orderBy("sample_id").collectAsList();
        disturbed.storage().delete(disturbed.layout().scores(1));
        int failedBefore = killer.failedTasks();
        killer.arm();
        stages.score(1);
        assertTrue(killer.killedPid() > 0, "an executor was killed during scoring");
        assertTrue(killer.failedTasks() > failedBefore, "Spark saw the lost task(s)");
        assertEquals(quietScores, spark.read().parquet(disturbed.layout().scores(1)).orderBy("sample_id").collectAsList());
        assertTrue(killer.executorsRemoved() >= 2, "two executors were lost in all: " + killer.executorsRemoved());
    }

    private static JobContext context(Path root) {
        return JobContext.of(spark, RoundPipelineTest.settings(root, "extract.partition-rows=4", "train.folds=2",
                "train.max-epochs=6", "train.fold-placement=driver"));
    }
}
