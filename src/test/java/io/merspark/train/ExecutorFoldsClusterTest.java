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
 * one fold after another: the same folds (rows, epochs, best epoch), the same parameters, logits and temperature
 * to the byte; a fold whose executor is killed is retried; the staged training rows are gone afterwards. Own
 * Surefire execution with the other {@code cluster} tests.
 */
@Tag("cluster")
@Tag("slow")
class ExecutorFoldsClusterTest {

    private static SparkSession spark;
    /** Executor of every successful task, from the listener bus. */
    private static final List<String> TASK_EXECUTORS = java.util.Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void start() {
        assertTrue(TrainingReproducibility.reproducible(System.getenv(TrainingReproducibility.MKL_CBWR)),
                "the build sets MKL_CBWR=AUTO,STRICT for the test JVM");
        spark = LocalCluster.start("mer-spark-executor-folds-test", 2, 1024);
        spark.sparkContext().addSparkListener(new org.apache.spark.scheduler.SparkListener() {
            @Override
            public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
                if (end.reason() instanceof org.apache.spark.Success$) {
                    TASK_EXECUTORS.add(end.taskInfo().executorId());

                }
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
    void aFoldWhoseExecutorIsKilledIsRetriedToTheSameMember(@TempDir Path dir) throws Exception {
        io.merspark.testing.ExecutorKiller killer = io.merspark.testing.ExecutorKiller.register(spark);
        List<FusionSample> rows = new SyntheticTokenData(4).samples(48, 0.1, 6);
        TrainSpec spec = SyntheticTokenData.agtSpec().folds(3).maxEpochs(6).seed(3).build();
        int failedBefore = killer.failedTasks();
        killer.arm("collect at ExecutorFolds");
        assertSameEnsemble(rows, spec, dir);
        assertTrue(killer.killedPid() > 0, "an executor was killed while the folds trained");
        assertTrue(killer.failedTasks() > failedBefore, "Spark saw the lost fold task");
    }

    @Test
    void attentionFoldsFromAnInMemorySourceAreSpilledAndEqualTheDrivers(@TempDir Path dir) throws Exception {
        List<FusionSample> rows = SyntheticFusionData.small(5).samples(60, 0.1, 3);
        TrainSpec spec = SyntheticFusionData.quickSpec().maxEpochs(5).seed(8).build();
        assertSameEnsemble(rows, spec, dir);
    }

    private static void assertSameEnsemble(List<FusionSample> rows, TrainSpec spec, Path dir) throws Exception {
        Path staging = dir.resolve("round=2");
        FoldPlan plan = FoldPlan.allGold(rows.size());
        TASK_EXECUTORS.clear();
        try (FusionEnsemble driver = new FusionTrainer().train(SampleSource.of(rows), spec, plan, FoldRunner.local());
             FusionEnsemble executors = new FusionTrainer().train(SampleSource.of(rows), spec, plan,
                     new ExecutorFolds(spark, staging.toString(), 1))) {
            // the same folds, trained the same way: rows, epochs and best epoch per fold
            List<FoldMetrics> a = driver.foldMetrics();
            List<FoldMetrics> b = executors.foldMetrics();
            assertEquals(a.size(), b.size());
            for (int k = 0; k < a.size(); k++) {
                assertEquals(a.get(k).trainSize(), b.get(k).trainSize(), "fold " + k);
                assertEquals(a.get(k).validationSize(), b.get(k).validationSize(), "fold " + k);
                assertEquals(a.get(k).epochsRun(), b.get(k).epochsRun(), "fold " + k);
                assertEquals(a.get(k).bestEpoch(), b.get(k).bestEpoch(), "fold " + k);
            }
            // the same members to the byte: parameters, logits and temperature (MKL_CBWR=AUTO,STRICT on both sides,
            // one thread, and constants that autograd keeps alive until backward, see TrackedConstants)
            List<MemberInit> ma = driver.memberInits();
            List<MemberInit> mb = executors.memberInits();
            for (int k = 0; k < ma.size(); k++) {
                assertArrayEquals(ma.get(k).params(), mb.get(k).params(), "member " + k + " parameters");
            }
            float[][] la = driver.predictSampleLogits(rows);
            float[][] lb = executors.predictSampleLogits(rows);
            for (int i = 0; i < la.length; i++) {
                assertArrayEquals(la[i], lb[i], 0f, rows.get(i).sampleId());
            }
            assertEquals(driver.temperature(), executors.temperature(), 0.0);
        }
        // one successful task per fold, each on an executor JVM (the listener bus delivers asynchronously)
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
