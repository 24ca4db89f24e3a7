package io.merspark.train;

import io.merspark.bench.LocalCluster;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Folds trained as Spark tasks on two executor JVMs ({@code local-cluster}) give the ensemble the driver trains
 * one fold after another: the same member parameters byte for byte, the same fold figures and temperature; the
 * staged training rows are gone afterwards. Own Surefire execution with the other {@code cluster} tests.
 */
@Tag("cluster")
@Tag("slow")
class ExecutorFoldsClusterTest {

    private static SparkSession spark;
    /** Executor of every finished task, from the listener bus. */
    private static final List<String> TASK_EXECUTORS = java.util.Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void start() {
        spark = LocalCluster.start("mer-spark-executor-folds-test", 2, 1024);
        spark.sparkContext().addSparkListener(new org.apache.spark.scheduler.SparkListener() {
            @Override
            public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
                TASK_EXECUTORS.add(end.taskInfo().executorId());
            }
        });
        FusionTrainer.useThreads(1); // the executors' tasks train with one thread too
    }

    @AfterAll
    static void stop() {
        LocalCluster.stop(spark);
    }

    @Test
    void agtFoldsOnExecutorsEqualTheDriversOneByOne(@TempDir Path dir) throws Exception {
        List<FusionSample> rows = new SyntheticTokenData(11).samples(48, 0.2, 5);
        TrainSpec spec = SyntheticTokenData.agtSpec().folds(3).maxEpochs(4).seed(21).build();
        assertSameEnsemble(rows, spec, dir);
    }

    @Test
    void attentionFoldsFromAnInMemorySourceAreSpilledAndEqualTheDrivers(@TempDir Path dir) throws Exception {
        List<FusionSample> rows = SyntheticFusionData.small(5).samples(60, 0.1, 3);
        TrainSpec spec = SyntheticFusionData.quickSpec().maxEpochs(5).seed(8).build();
        assertSameEnsemble(rows, spec, dir);
    }

    private static void assertSameEnsemble(List<FusionSample> rows, TrainSpec spec, Path dir) throws Exception {
        Path staging = dir.resolve("round=2");
        Path onDriver = dir.resolve("driver");
        Path onExecutors = dir.resolve("executors");
        FoldPlan plan = FoldPlan.allGold(rows.size());
        TASK_EXECUTORS.clear();
        try (FusionEnsemble driver = new FusionTrainer().train(SampleSource.of(rows), spec, plan, FoldRunner.local());
             FusionEnsemble executors = new FusionTrainer().train(SampleSource.of(rows), spec, plan,
                     new ExecutorFolds(spark, staging.toString(), 1))) {
            assertEquals(driver.foldMetrics(), executors.foldMetrics());
            assertEquals(driver.temperature(), executors.temperature());
            driver.save(onDriver);
            executors.save(onExecutors);
        }
        for (int k = 0; k < spec.folds(); k++) {
            String member = "member-" + k + ".params";
            assertArrayEquals(Files.readAllBytes(onDriver.resolve(member)), Files.readAllBytes(onExecutors.resolve(member)),
                    member);
        }
        // one task per fold, each on an executor JVM (the listener bus delivers asynchronously)
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (TASK_EXECUTORS.size() < spec.folds() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(spec.folds(), TASK_EXECUTORS.size(), TASK_EXECUTORS::toString);
        assertTrue(TASK_EXECUTORS.stream().noneMatch("driver"::equals), TASK_EXECUTORS::toString);
        assertTrue(Files.isDirectory(staging), "staging directory was created");
        List<String> left = new ArrayList<>();
        try (Stream<Path> files = Files.list(staging)) {
            files.forEach(f -> left.add(f.getFileName().toString()));
        }
        assertEquals(List.of(), left, "staged training rows (and their checksum files) are removed");
    }
}
