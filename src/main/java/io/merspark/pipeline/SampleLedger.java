package io.merspark.pipeline;

import io.merspark.features.FeatureTable;
import io.merspark.ingest.ManifestColumns;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * Where every manifest row went, per split: {@code rows = usable + no_features}. A usable sample has a feature of
 * at least one fused modality (the round trains on it, scores it or predicts it; a failed modality is masked and
 * has its row in {@code errors/}); a sample without any is left out of the round, and every one of its modalities
 * has its reason in {@code errors/}. Rows rejected by ingest are counted beside, so that manifest CSV rows =
 * {@code ingest_rejected} + the rows of the three splits.
 */
public final class SampleLedger {

    private SampleLedger() {
    }

    public static Map<String, Object> of(JobContext ctx) {
        return of(ctx, null);
    }

    /**
     * @param pool the unlabeled split's counts as the round's score stage found them (rows of the manifest, rows
     *             scored), or null to count them here. The train and test counts read only those splits'
     *             partitions, so with {@code pool} given the ledger costs the labeled splits, not the pool.
     */
    public static Map<String, Object> of(JobContext ctx, Map<String, Long> pool) {
        List<String> splits = pool == null
                ? List.of(ManifestColumns.TRAIN, ManifestColumns.TEST, ManifestColumns.UNLABELED)
                : List.of(ManifestColumns.TRAIN, ManifestColumns.TEST);
        Dataset<Row> manifest = ctx.spark().read().parquet(ctx.layout().manifest()).select("sample_id", "split")
                .where(col("split").isin(splits.toArray()));
        List<String> modalities = ctx.settings().extract().modalities();
        // a split-partitioned table counts a sample where the round's reads look for it: in its split's partition
        String[] keys = FeatureTable.bySplit(ctx.spark(), ctx.layout().features())
                ? new String[]{"sample_id", FeatureTable.SPLIT} : new String[]{"sample_id"};
        Dataset<Row> withFeatures = FeatureTable.read(ctx.spark(), ctx.layout().features(), modalities, splits)
                .select(keys[0], java.util.Arrays.copyOfRange(keys, 1, keys.length)).distinct()
                .withColumn("_usable", lit(1));
        Map<String, Object> out = new LinkedHashMap<>();
        String ingestErrors = ctx.layout().errors("ingest");
        out.put("ingest_rejected", ctx.storage().exists(ingestErrors) ? ctx.spark().read().parquet(ingestErrors).count() : 0L);
        for (String split : List.of(ManifestColumns.TRAIN, ManifestColumns.TEST, ManifestColumns.UNLABELED)) {
            out.put(split, counts(0, 0));
        }
        if (pool != null) {
            out.put(ManifestColumns.UNLABELED, counts(pool.get("rows"), pool.get("usable")));
        }
        for (Row r : manifest.join(withFeatures, keys, "left")
                .groupBy("split")
                .agg(count(lit(1)).as("rows"), sum(when(col("_usable").isNotNull(), 1).otherwise(0)).as("usable"))
                .collectAsList()) {
            long rows = r.getLong(1);
            long usable = r.getLong(2);
            out.put(r.getString(0), counts(rows, usable));
        }
        return out;
    }

    /** Insertion-ordered, so metrics.json is the same bytes on every run. */
    private static Map<String, Long> counts(long rows, long usable) {
        Map<String, Long> c = new LinkedHashMap<>();
        c.put("rows", rows);
        c.put("usable", usable);
        c.put("no_features", rows - usable);
        return c;
    }
}
