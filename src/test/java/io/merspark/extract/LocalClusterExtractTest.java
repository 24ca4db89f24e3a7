package io.merspark.extract;

import io.merspark.bench.LocalCluster;
import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.EnumSet;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The extract job on {@code local-cluster[2,1,1024]}: two executors in their own JVMs. Each executor loads each
 * model once, however many partitions it runs. Runs in its own Surefire execution (tag {@code cluster}, a fresh
 * JVM with {@code SPARK_HOME} set), because every other test shares one local[2] session per JVM.
 */
@Tag("cluster")
@Tag("slow")
class LocalClusterExtractTest {

    private static final int EXECUTORS = 2;
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = LocalCluster.start("mer-spark-local-cluster-test", EXECUTORS, 1024);
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            LocalCluster.stop(spark);
        }
    }

    @Test
    void modelsLoadOncePerExecutorNotPerPartitionNorPerJob(@TempDir Path out) {
        assertEquals(EXECUTORS, LocalCluster.executors(spark));
        Dataset<Row> manifest = Manifests.read(spark, SparkTestSession.dataDir().resolve("tiny/manifest.csv"));
        int rowsPerPartition = 4;
        ExtractSpec spec = ExtractSpec.defaults(SparkTestSession.projectDir().resolve("models"))
                .withRowsPerPartition(rowsPerPartition);
        String features = out.resolve("features").toString();

        ExtractSummary summary = new FeatureExtractor().run(spark, manifest, spec, features,
                out.resolve("errors").toString());

        int partitions = (36 + rowsPerPartition - 1) / rowsPerPartition;
        assertTrue(partitions > 4 * EXECUTORS, "many more partitions than executors");
        // one load per (executor, model): 2 executors x 3 encoders, not 9 partitions x 3
        assertEquals((long) EXECUTORS * Modality.values().length, summary.modelLoads(), summary.toString());
        for (Modality m : EnumSet.allOf(Modality.class)) {
            assertEquals(new ExtractSummary.Counts(36, 36, 0), summary.of(m), m.key());
        }
        assertEquals(36, spark.read().parquet(features).filter(col("modality").equalTo("audio"))
                .select("sample_id").distinct().count());

        // a second job on the same executors finds every model in their caches
        ExtractSummary again = new FeatureExtractor().run(spark, manifest, spec.withRowsPerPartition(6),
                out.resolve("features2").toString(), out.resolve("errors2").toString());
        assertEquals(0, again.modelLoads(), again.toString());
        assertEquals(new ExtractSummary.Counts(36, 36, 0), again.of(Modality.TEXT));
    }
}
