package io.merspark.pipeline;

import io.merspark.features.PooledFeatures;
import io.merspark.ingest.ManifestColumns;
import io.merspark.train.FusionSample;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

import java.util.ArrayList;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;

/**
 * The training rows of round r: labeled {@code train} rows (weight 1) plus the pseudo-labels accepted
 * in rounds 1..r−1, where a sample accepted more than once keeps its latest label. Rows without any
 * feature (every modality failed) are left out; they are in {@code errors/} already.
 */
public final class TrainingSet {

    private TrainingSet() {
    }

    public record Counts(long labeled, long pseudo) {
    }

    public static Dataset<Row> rows(JobContext ctx, int round) {
        Dataset<Row> labeled = ctx.spark().read().parquet(ctx.layout().manifest())
                .where(col(ManifestColumns.SPLIT).equalTo(ManifestColumns.TRAIN))
                .select(col("sample_id"), col("label"), lit(1.0).as("weight"), lit(0).as("from_round"));
        Dataset<Row> all = labeled;
        for (int r = 1; r < round; r++) {
            String pseudo = ctx.layout().pseudo(r);
            if (ctx.storage().exists(pseudo)) {
                all = all.unionByName(ctx.spark().read().parquet(pseudo)
                        .select(col("sample_id"), col("label"), col("weight").cast("double").as("weight"),
                                col("round").as("from_round")));
            }
        }
        Dataset<Row> latest = all
                .withColumn("_rank", row_number().over(Window.partitionBy("sample_id").orderBy(col("from_round").desc())))
                .where(col("_rank").equalTo(1)).drop("_rank");
        Dataset<Row> wide = PooledFeatures.wide(ctx.spark(), ctx.layout().features(), ctx.settings().extract().modalities());
        return latest.join(wide, "sample_id").orderBy("sample_id");
    }

    /** Collects the (small, pooled) training rows in sample_id order, so the same data trains the same model. */
    public static List<FusionSample> collect(Dataset<Row> rows, List<String> classes, List<String> modalities) {
        List<FusionSample> out = new ArrayList<>();
        for (Row r : rows.collectAsList()) {
            int label = classes.indexOf(r.<String>getAs("label"));
            out.add(new FusionSample(r.getAs("sample_id"), PooledFeatures.vectors(r, modalities), label,
                    ((Number) r.getAs("weight")).floatValue()));
        }
        return out;
    }
}
