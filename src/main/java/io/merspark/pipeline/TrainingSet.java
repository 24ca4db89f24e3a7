package io.merspark.pipeline;

import io.merspark.config.Settings;
import io.merspark.features.PooledFeatures;
import io.merspark.features.TokenFeatures;
import io.merspark.ingest.ManifestColumns;
import io.merspark.train.FusionSample;
import io.merspark.train.TokenCache;
import io.merspark.train.TrainSpec;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
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
        return rows(ctx, round, false);
    }

    /** @param withTokens also carry each modality's token sequence ({@link TokenFeatures}), for the AGT */
    public static Dataset<Row> rows(JobContext ctx, int round, boolean withTokens) {
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
        List<String> modalities = ctx.settings().extract().modalities();
        Dataset<Row> wide = withTokens
                ? TokenFeatures.wide(ctx.spark(), ctx.layout().features(), modalities)
                : PooledFeatures.wide(ctx.spark(), ctx.layout().features(), modalities);
        return latest.join(wide, "sample_id").orderBy("sample_id");
    }

    /** Collects the (small, pooled) training rows in sample_id order, so the same data trains the same model. */
    public static List<FusionSample> collect(Dataset<Row> rows, List<String> classes, List<String> modalities) {
        List<FusionSample> out = new ArrayList<>();
        for (Row r : rows.collectAsList()) {
            out.add(sample(r, classes, modalities, false));
        }
        return out;
    }

    /**
     * Streams the rows (with tokens) to a local {@link TokenCache} in sample_id order, one partition at a
     * time through {@code toLocalIterator}: the driver never holds the whole token table.
     */
    public static TokenCache spill(Dataset<Row> rows, List<String> classes, List<String> modalities, Path file) {
        Iterator<Row> it = rows.toLocalIterator();
        Iterator<FusionSample> samples = new Iterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public FusionSample next() {
                return sample(it.next(), classes, modalities, true);
            }
        };
        return TokenCache.spill(samples, modalities.size(), file);
    }

    /** One row as a sample over {@code modalities}; with tokens when the row carries them. */
    public static FusionSample sample(Row r, List<String> classes, List<String> modalities, boolean withTokens) {
        Object label = hasField(r, "label") ? r.getAs("label") : null;
        int index = label == null ? FusionSample.UNKNOWN : classes.indexOf((String) label);
        float weight = hasField(r, "weight") ? ((Number) r.getAs("weight")).floatValue() : 1f;
        return new FusionSample(r.getAs("sample_id"), PooledFeatures.vectors(r, modalities), index, weight,
                withTokens ? TokenFeatures.sequences(r, modalities) : null);
    }

    private static boolean hasField(Row r, String name) {
        return java.util.Arrays.asList(r.schema().fieldNames()).contains(name);
    }

    /** The spec of one training run from the settings: sizes, model, loss and modality dropout. */
    public static TrainSpec spec(Settings s, List<String> modalities, int[] dims, long seed) {
        Settings.TrainSettings t = s.train();
        TrainSpec.Builder b = TrainSpec.builder(modalities, dims, s.classes())
                .folds(t.folds())
                .maxEpochs(t.maxEpochs())
                .batchSize(t.batchSize())
                .learningRate(t.learningRate())
                .weightDecay(t.weightDecay())
                .hidden(t.hidden())
                .dropout(t.dropout())
                .patience(t.patience())
                .seed(seed)
                .device(t.device())
                .modalityDropout(t.modalityDropout())
                .classWeighted("class-weighted".equals(t.loss()));
        if (t.isAgt()) {
            Settings.AgtSettings agt = t.agt();
            b.model(TrainSpec.AGT).hidden(agt.width()).dropout(agt.dropout()).heads(agt.heads()).layers(agt.layers())
                    .maxTokens(modalities.stream().mapToInt(m -> agt.maxTokens().get(m)).toArray());
        }
        return b.build();
    }
}
