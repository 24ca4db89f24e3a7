package io.merspark.pipeline;

import io.merspark.io.Layout;
import io.merspark.testing.CliProcess;
import io.merspark.testing.FileDigests;
import io.merspark.testing.RoundOutputs;
import io.merspark.testing.SparkTestSession;
import io.merspark.testing.TestSettings;
import org.apache.commons.io.FileUtils;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Same data + config + seed → the same outputs, bit for bit: in another JVM, and after the driver was killed
 * (SIGKILL) in the middle of a round and the same command was run again. Then the refusals that must happen before
 * any work on a root with a complete round: a skipped round, a class list the model was not trained with, a full
 * disk, an output root that cannot be created.
 */
@Tag("slow")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RerunTest {

    private static final List<String> SMALL_ROUND = List.of("train.folds=2", "train.max-epochs=6");

    @TempDir
    static Path dir;

    private SparkSession spark;
    private String reference;

    /** The undisturbed run: ingest → extract → round 1 in this JVM. */
    @BeforeAll
    void referenceRun() {
        spark = SparkTestSession.get();
        reference = dir.resolve("reference").toString();
        JobContext ctx = JobContext.of(spark, RoundPipelineTest.settings(Path.of(reference),
                SMALL_ROUND.toArray(String[]::new)));
        IngestStage.run(ctx, ctx.settings().manifest());
        ExtractStage.run(ctx);
        new RoundRunner(ctx).run(1, false);
    }

    @Test
    @Order(1)
    void aFreshJvmReproducesEveryTableBitForBit() {
        Path root = dir.resolve("fresh-jvm");
        CliProcess.Result r = job("pipeline", root, "--rounds", "1");
        assertEquals(0, r.exitCode(), r.output());
        RoundOutputs.assertSameFeatures(spark, reference, root.toString());
        RoundOutputs.assertSameRound(spark, reference, root.toString(), 1);
    }

    @Test
    @Order(2)
    void aDriverKilledMidRoundFinishesOnRerunWithTheSameOutputs() throws Exception {
        Path root = dir.resolve("killed");
        Layout layout = new Layout(root.toString());
        for (String table : List.of("manifest", "features", "errors")) {
            FileUtils.copyDirectory(Path.of(reference, table).toFile(), root.resolve(table).toFile());
        }
        // killed while the folds train: nothing of the round is committed
        killWhen(root, log -> log.contains("FusionTrainer: training "));
        assertFalse(Files.exists(Path.of(layout.model(1))), "killed before the model was committed");
        // killed again after the model was committed, while the pool is being scored
        killWhen(root, log -> Files.exists(Path.of(layout.model(1))));
        assertFalse(Files.exists(Path.of(layout.success(1))), "killed before the round completed");
        String modelDigests = RoundOutputs.memberDigests(layout.model(1)).toString();

        CliProcess.Result r = job("round", root, "--round", "1");
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("model already committed, resuming after training"), r.output());
        assertEquals(modelDigests, RoundOutputs.memberDigests(layout.model(1)).toString(), "not retrained");
        RoundOutputs.assertSameRound(spark, reference, root.toString(), 1);
        try (Stream<Path> all = Files.walk(root)) {
            assertEquals(List.of(), all.filter(p -> p.getFileName().toString().startsWith("_tmp_")).toList(),
                    "stale temporary siblings of the killed runs are gone once their tables are committed");
        }
    }

    @Test
    @Order(3)
    void refusalsHappenBeforeAnyWorkAndLeaveTheCompleteRoundIntact() throws Exception {
        Path root = Path.of(reference);
        Map<String, String> before = FileDigests.under(root);

        CliProcess.Result skip = job("round", root, "--round", "3");
        assertEquals(3, skip.exitCode(), skip.output());
        assertTrue(skip.output().contains("round 2 is not complete"), skip.output());

        CliProcess.Result classes = job("score", root, "--round", "1",
                "classes=[neutral,angry,happy,sad,worried,surprise,disgust]");
        assertEquals(2, classes.exitCode(), classes.output());
        assertTrue(classes.output().contains("error: mer.classes [neutral, angry, happy, sad, worried, surprise, disgust]"
                + " disagrees with the classes [neutral, angry, happy, sad, worried, surprise]"), classes.output());

        CliProcess.Result full = job("round", root, "--round", "2", "storage.min-free-mb=" + Integer.MAX_VALUE);
        assertEquals(4, full.exitCode(), full.output());
        assertTrue(full.output().contains("error: output root " + root + " has ")
                && full.output().contains("MiB free, less than mer.storage.min-free-mb"), full.output());

        Path blocked = dir.resolve("a-file");
        Files.writeString(blocked, "not a directory");
        CliProcess.Result unwritable = job("ingest", blocked.resolve("root"));
        assertEquals(4, unwritable.exitCode(), unwritable.output());
        assertTrue(unwritable.output().contains("error: output root " + blocked.resolve("root")), unwritable.output());

        assertEquals(before, FileDigests.under(root), "the complete round and its inputs are untouched");
        assertFalse(Files.exists(Path.of(new Layout(reference).round(2))));
    }

    private static void killWhen(Path root, Predicate<String> moment) throws Exception {
        Path log = Files.createTempFile(dir, "killed-", ".log");
        Process p = CliProcess.builder(log, args("round", root, "--round", "1")).start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!moment.test(Files.readString(log, StandardCharsets.UTF_8))) {
            if (!p.isAlive()) {
                fail("the round ended (exit " + p.exitValue() + ") before the moment to kill it:\n" + Files.readString(log));
            }
            assertTrue(System.nanoTime() < deadline, "the moment to kill never came:\n" + Files.readString(log));
            Thread.sleep(20);
        }
        p.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    }

    private static CliProcess.Result job(String name, Path root, String... extra) {
        return CliProcess.run(600, args(name, root, extra));
    }

    private static String[] args(String name, Path root, String... extra) {
        Path data = SparkTestSession.dataDir();
        List<String> a = new ArrayList<>(List.of(name, "--root", root.toString(),
                "--manifest", data.resolve("tiny/manifest.csv").toString(),
                "--truth", data.resolve("tiny/unlabeled_truth.csv").toString(),
                "spark.master=\"local[2]\"", "spark.shuffle-partitions=2", "train.patience=10", "extract.partition-rows=16", "select.threshold=0.0"));
        a.addAll(SMALL_ROUND);
        a.addAll(TestSettings.modelOverrides());
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }
}
