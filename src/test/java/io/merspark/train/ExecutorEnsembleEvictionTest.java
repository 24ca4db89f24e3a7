package io.merspark.train;

import io.merspark.score.EnsembleCache;
import io.merspark.score.EnsembleScorer;
import io.merspark.testing.OtherSchemeFileSystem;
import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The scoring tasks' ensemble cache keeps only the round they score: an earlier round's ensemble is dropped when a
 * task asks for the next one, a retrained round replaces its stale copy, and a remote model's local copy is deleted
 * with it (the tasks run in this JVM under local[*], the same code the executors of a cluster run).
 */
@ExtendWith(SparkTestSession.class)
class ExecutorEnsembleEvictionTest {

    private final List<String> dirs = new ArrayList<>();

    @AfterEach
    void evict() {
        dirs.forEach(EnsembleCache::evict);
    }

    @Test
    void scoringTasksKeepOnlyTheRoundTheyScore(SparkSession spark, @TempDir Path dir) throws Exception {
        SyntheticFusionData data = SyntheticFusionData.small(5);
        Path round1 = dir.resolve("round=1/model");
        Path round2 = dir.resolve("round=2/model");
        try (FusionEnsemble e = new FusionTrainer().train(data.samples(60, 0.0, 3),
                SyntheticFusionData.quickSpec().maxEpochs(2).build())) {
            e.save(round1);
            e.save(round2);
        }
        Dataset<Row> wide = WideFrames.of(spark, data.samples(12, 0.0, 77)).repartition(3);
        // the scorer hands executors the driver's qualified location: file:/… for a local path
        String local1 = "file:" + round1;
        String local2 = "file:" + round2;
        String remote2 = OtherSchemeFileSystem.SCHEME + "://" + round2;
        dirs.addAll(List.of(local1, local2, remote2));

        int loads = EnsembleCache.loads();
        assertEquals(12, score(wide, round1.toString()));
        assertEquals(Set.of(local1), EnsembleCache.cached(), "a plain path is cached under its qualified location");
        assertEquals(12, score(wide, local1));
        assertEquals(loads + 1, EnsembleCache.loads(), "three tasks of two jobs share one load");

        assertEquals(12, score(wide, local2));
        assertEquals(Set.of(local2), EnsembleCache.cached(), "round 1 dropped when round 2 is scored");
        assertEquals(loads + 2, EnsembleCache.loads());

        // round 2 retrained in place: a newer ensemble.json is a new ensemble, the stale one is dropped
        Path manifest = round2.resolve(FusionEnsemble.MANIFEST_FILE);
        Files.setLastModifiedTime(manifest, java.nio.file.attribute.FileTime.fromMillis(
                Files.getLastModifiedTime(manifest).toMillis() + 60_000));
        assertEquals(12, score(wide, local2));
        assertEquals(loads + 3, EnsembleCache.loads());
        assertEquals(Set.of(local2), EnsembleCache.cached());

        // a model on another filesystem is copied to local disk for DJL; the copy goes with the ensemble
        Set<Path> before = copies();
        assertEquals(12, score(wide, remote2));
        Set<Path> during = copies();
        during.removeAll(before);
        assertEquals(1, during.size(), "one local copy while round 2 (remote) is cached");
        assertEquals(Set.of(remote2), EnsembleCache.cached());
        assertEquals(12, score(wide, local1));
        assertEquals(Set.of(local1), EnsembleCache.cached());
        assertEquals(before, copies(), "the remote model's local copy was deleted");

        EnsembleCache.evict(local1);
        assertEquals(Set.of(), EnsembleCache.cached());
    }

    private static long score(Dataset<Row> wide, String modelDir) {
        return new EnsembleScorer(modelDir, "cpu", SyntheticFusionData.MODALITIES, 5).score(wide).count();
    }

    private static Set<Path> copies() throws IOException {
        try (Stream<Path> all = Files.list(Paths.get(System.getProperty("java.io.tmpdir")))) {
            return new TreeSet<>(all.filter(p -> p.getFileName().toString().startsWith("mer-ensemble-")).toList());
        }
    }
}
