package io.merspark.pipeline;

import io.merspark.ingest.ManifestColumns;
import io.merspark.testing.SparkTestSession;
import io.merspark.testing.TestSettings;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.plans.LeftSemi$;
import org.apache.spark.sql.execution.FileSourceScanExec;
import org.apache.spark.sql.execution.QueryExecution;
import org.apache.spark.sql.util.QueryExecutionListener;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanExec;
import org.apache.spark.sql.execution.adaptive.QueryStageExec;
import org.apache.spark.sql.execution.aggregate.BaseAggregateExec;
import org.apache.spark.sql.execution.exchange.ReusedExchangeExec;
import org.apache.spark.sql.execution.joins.BaseJoinExec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reading a split costs that split: the long features table is semi-joined with the split's ids below the
 * per-sample aggregation, so the rows the aggregation receives are the split's feature rows whatever the pool's
 * size; on a split-partitioned table the scan itself reads only the split's partition. Checked on the executed
 * plan (the semi-join sits under the aggregate, its output row count, the scan's rows) and by growing the pool
 * tenfold.
 */
@ExtendWith(SparkTestSession.class)
class SplitReadTest {

    private static final int GOLD = 4;
    private static final int TEST = 3;
    /** Modalities per sample in the fixture; every sample has all of them. */
    private static final int MODALITIES = 2;

    @Test
    void trainingRowsAggregateOnlyTheTrainingSamplesFeatures(SparkSession spark, @TempDir Path dir) {
        JobContext small = fixture(spark, dir.resolve("small"), 20);
        JobContext large = fixture(spark, dir.resolve("large"), 200);
        for (boolean tokens : new boolean[] {false, true}) {

            Dataset<Row> a = TrainingSet.rows(small, 1, tokens);
            Dataset<Row> b = TrainingSet.rows(large, 1, tokens);
            List<Row> rowsA = a.collectAsList();
            List<Row> rowsB = b.collectAsList();
            assertEquals(GOLD, rowsA.size());
            assertEquals(rowsA, rowsB, "the pool's size changes nothing in the training rows");
            assertEquals(GOLD * MODALITIES, aggregatedInput(a));
            assertEquals(GOLD * MODALITIES, aggregatedInput(b), "10x the pool, the same rows aggregated");
        }
    }

    @Test
    void splitReadsAggregateOnlyThatSplitsFeatures(SparkSession spark, @TempDir Path dir) {
        JobContext large = fixture(spark, dir, 200);
        RoundStages stages = new RoundStages(large);

        Dataset<Row> test = stages.split(ManifestColumns.TEST);
        assertEquals(List.of("x0", "x1", "x2"), test.collectAsList().stream()
                .map(r -> (String) r.getAs("sample_id")).sorted().toList());
        assertEquals(TEST * MODALITIES, aggregatedInput(test));

        Dataset<Row> pool = stages.split(ManifestColumns.UNLABELED);
        assertEquals(200, pool.collectAsList().size());
        assertEquals(200 * MODALITIES, aggregatedInput(pool));
    }

    @Test
    void aSplitPartitionedTableScansOnlyTheSplitsFiles(SparkSession spark, @TempDir Path dir) {
        for (int pool : new int[] {20, 200}) {
            Dataset<Row> test = new RoundStages(fixture(spark, dir.resolve("pool" + pool), pool, true))
                    .split(ManifestColumns.TEST);
            assertEquals(TEST, test.collectAsList().size());
            assertEquals(TEST * MODALITIES, scannedRows(test), "pool " + pool + ": the scan reads the test partition only");
            assertEquals(TEST * MODALITIES, aggregatedInput(test));
        }
        Dataset<Row> train = TrainingSet.rows(fixture(spark, dir.resolve("train"), 200, true), 1, true);
        assertEquals(GOLD, train.collectAsList().size());
        assertEquals(GOLD * MODALITIES, scannedRows(train));

        // the flat layout of older tables still reads right, at the cost of scanning the pool's rows too
        Dataset<Row> flat = new RoundStages(fixture(spark, dir.resolve("flat"), 200, false)).split(ManifestColumns.TEST);
        assertEquals(TEST, flat.collectAsList().size());
        assertEquals((GOLD + TEST + 200) * MODALITIES, scannedRows(flat));
    }

    @Test
    void theEvaluateLedgerReadsTheLabeledSplitsAndTakesThePoolFromTheScoreStage(SparkSession spark, @TempDir Path dir)
            throws Exception {
        JobContext ctx = fixture(spark, dir, 200);
        Map<String, Object> counted = SampleLedger.of(ctx);
        assertEquals(Map.of("rows", 200L, "usable", 200L, "no_features", 0L), counted.get(ManifestColumns.UNLABELED));

        List<QueryExecution> queries = new ArrayList<>();
        QueryExecutionListener listener = new QueryExecutionListener() {
            @Override
            public void onSuccess(String funcName, QueryExecution qe, long durationNs) {
                synchronized (queries) {
                    queries.add(qe);
                }
            }

            @Override
            public void onFailure(String funcName, QueryExecution qe, Exception exception) {
            }
        };
        spark.listenerManager().register(listener);
        Map<String, Object> ledger;
        try {
            // the score stage's counts stand for the pool, even where they differ from a recount: nothing recounts it
            ledger = SampleLedger.of(ctx, Map.of("rows", 200L, "usable", 199L));
            spark.sparkContext().listenerBus().waitUntilEmpty();
        } finally {
            spark.listenerManager().unregister(listener);
        }
        assertEquals(Map.of("rows", 200L, "usable", 199L, "no_features", 1L), ledger.get(ManifestColumns.UNLABELED));
        assertEquals(counted.get(ManifestColumns.TRAIN), ledger.get(ManifestColumns.TRAIN));
        assertEquals(counted.get(ManifestColumns.TEST), ledger.get(ManifestColumns.TEST));
        assertEquals(Map.of("rows", (long) GOLD, "usable", (long) GOLD, "no_features", 0L), ledger.get(ManifestColumns.TRAIN));
        long scanned = 0;
        synchronized (queries) {
            for (QueryExecution qe : queries) {
                scanned += scannedRows(qe.executedPlan());
            }
        }
        assertEquals((GOLD + TEST) * MODALITIES, scanned, "the features scans read the train and test partitions only");
    }

    /** Rows read by the Parquet scans of the features table (the query must have run). */
    private static long scannedRows(Dataset<Row> ds) {
        return scannedRows(ds.queryExecution().executedPlan());
    }

    private static long scannedRows(SparkPlan plan) {
        List<SparkPlan> scans = new ArrayList<>();
        collect(plan, scans, FileSourceScanExec.class);
        return scans.stream().map(p -> (FileSourceScanExec) p)
                .filter(scan -> scan.relation().location().rootPaths().head().toString().contains("features"))
                .mapToLong(scan -> scan.metrics().apply("numOutputRows").value()).sum();
    }

    /**
     * The row count of the semi-join that feeds the per-sample aggregation, from the executed plan (the query must
     * have run). Fails when no semi-join sits below an aggregate, or when an aggregate reads the unfiltered table.
     */
    private static long aggregatedInput(Dataset<Row> ds) {
        SparkPlan plan = ds.queryExecution().executedPlan();
        List<SparkPlan> aggregates = new ArrayList<>();
        collect(plan, aggregates, BaseAggregateExec.class);
        List<SparkPlan> semiJoins = new ArrayList<>();
        for (SparkPlan agg : aggregates) {
            List<SparkPlan> below = new ArrayList<>();
            collect(agg, below, BaseJoinExec.class);
            below.stream().filter(j -> ((BaseJoinExec) j).joinType() == LeftSemi$.MODULE$)
                    .filter(j -> !semiJoins.contains(j)).forEach(semiJoins::add);
        }
        assertFalse(semiJoins.isEmpty(), "no semi-join below an aggregate in\n" + plan.treeString());
        assertEquals(1, semiJoins.size(), plan.treeString());
        SparkPlan semi = semiJoins.get(0);
        assertTrue(semi.metrics().contains("numOutputRows"), semi.nodeName());
        return semi.metrics().apply("numOutputRows").value();
    }

    /** Every node of {@code type} under (and including) {@code plan}, looking through adaptive stages. */
    private static void collect(SparkPlan plan, List<SparkPlan> out, Class<?> type) {
        if (type.isInstance(plan)) {
            out.add(plan);
        }
        List<SparkPlan> next = new ArrayList<>();
        if (plan instanceof AdaptiveSparkPlanExec adaptive) {
            next.add(adaptive.executedPlan());
        } else if (plan instanceof QueryStageExec stage) {
            next.add(stage.plan());
        } else if (plan instanceof ReusedExchangeExec reused) {
            next.add(reused.child());
        } else {
            next.addAll(scala.jdk.javaapi.CollectionConverters.asJava(plan.children()));
        }
        for (SparkPlan child : next) {
            collect(child, out, type);
        }
    }

    /** A root with GOLD train rows, TEST test rows and {@code pool} unlabeled rows, each with audio + text. */
    private static JobContext fixture(SparkSession spark, Path root, int pool) {
        return fixture(spark, root, pool, true);
    }

    /** @param bySplit features partitioned by modality and split (as extraction writes them), else by modality only */
    private static JobContext fixture(SparkSession spark, Path root, int pool, boolean bySplit) {
        JobContext ctx = JobContext.of(spark, TestSettings.load(null, "root=\"" + root + "\"",
                "extract.modalities=[audio,text]", "train.model=attention"));
        spark.sql("SELECT CONCAT('g', id) AS sample_id, 'train' AS split,"
                        + " element_at(array('happy','sad'), CAST(id % 2 + 1 AS INT)) AS label FROM range(" + GOLD + ")"
                        + " UNION ALL SELECT CONCAT('x', id), 'test', 'happy' FROM range(" + TEST + ")"
                        + " UNION ALL SELECT CONCAT('u', id), 'unlabeled', NULL FROM range(" + pool + ")")
                .selectExpr("sample_id", "split", "label", "CAST(NULL AS STRING) AS video",
                        "CAST(NULL AS STRING) AS audio", "'t' AS text", "CAST(NULL AS STRING) AS group")
                .write().parquet(ctx.layout().manifest());
        spark.read().parquet(ctx.layout().manifest()).crossJoin(spark.sql("SELECT explode(array('audio','text')) AS modality"))
                .selectExpr("sample_id", "'enc' AS encoder",
                        "array(CAST(hash(sample_id, modality) % 100 AS FLOAT), CAST(1.0 AS FLOAT)) AS pooled",
                        "array(array(CAST(hash(modality, sample_id) % 7 AS FLOAT), CAST(2.0 AS FLOAT))) AS tokens",
                        "modality", "split")
                .drop(bySplit ? new String[0] : new String[] {"split"})
                .write().partitionBy(bySplit ? new String[] {"modality", "split"} : new String[] {"modality"})
                .parquet(ctx.layout().features());
        return ctx;
    }
}
