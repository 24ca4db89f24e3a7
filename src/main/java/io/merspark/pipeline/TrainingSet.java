package io.merspark.pipeline;

import io.merspark.config.Settings;
import io.merspark.features.GroupNormalization;
import io.merspark.features.PooledFeatures;
import io.merspark.features.TokenFeatures;
import io.merspark.ingest.ManifestColumns;
import io.merspark.train.FoldPlan;
import io.merspark.train.FusionSample;
import io.merspark.train.TokenCache;
import io.merspark.train.TrainSpec;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;

/**
 * The training rows of round r: labeled {@code train} rows (weight 1, {@code from_round} 0) plus the
 * pseudo-labels accepted by round r−1. Round r−1 re-selected from the whole pool, so an earlier pseudo-label it
 * no longer accepts is revoked; a pseudo-label whose clip is no longer in the manifest's unlabeled split (moved
 * to train or test, or removed) is dropped, and a gold label always beats a pseudo-label. Rows without any
 * feature (every modality failed) are left out; they are in {@code errors/} already. The manifest's optional
 * {@code group} column comes along for gold rows (the fold plan keeps a group in one fold). At most
 * {@code mer.train.pseudo-budget} pseudo-labels train ({@link PseudoLabelBudget}).
 */
public final class TrainingSet {

    private TrainingSet() {
    }

    public record Counts(long labeled, long pseudo) {
    }

    /** What pseudo-label hygiene did to round r−1's accepted rows before round r trains on them. */
    public record PseudoHygiene(long accepted, long dropped) {
    }

    public static Dataset<Row> rows(JobContext ctx, int round) {
        return rows(ctx, round, false);
    }

    /** @param withTokens also carry each modality's token sequence ({@link TokenFeatures}), for the AGT */
    public static Dataset<Row> rows(JobContext ctx, int round, boolean withTokens) {
        return rows(ctx, round, withTokens, Optional.empty());
    }

    /**
     * @param norm per-group standardisation of the features: by each sample's manifest group, pseudo-labelled
     *             clips too (their fold group stays null: pseudo-labels never validate)
     */
    public static Dataset<Row> rows(JobContext ctx, int round, boolean withTokens, Optional<GroupNormalization> norm) {
        Dataset<Row> manifest = ctx.spark().read().parquet(ctx.layout().manifest());
        Column group = ManifestColumns.groupOrNull(manifest);
        Dataset<Row> labeled = manifest
                .where(col(ManifestColumns.SPLIT).equalTo(ManifestColumns.TRAIN))
                .select(col("sample_id"), col("label"), lit(1.0).as("weight"), lit(0).as("from_round"),
                        group.as(ManifestColumns.GROUP));
        Dataset<Row> all = labeled;
        Optional<Dataset<Row>> pseudo = budgeted(ctx, round).map(PseudoLabelBudget.Selection::kept);
        if (pseudo.isPresent()) {
            all = all.unionByName(pseudo.get().select(col("sample_id"), col("label"),
                    col("weight").cast("double").as("weight"), col("round").as("from_round"),
                    lit(null).cast("string").as(ManifestColumns.GROUP)));
        }
        // Gold (from_round 0) first: a clip that has both keeps its gold label.
        Dataset<Row> latest = all
                .withColumn("_rank", row_number().over(Window.partitionBy("sample_id").orderBy(col("from_round").asc())))
                .where(col("_rank").equalTo(1)).drop("_rank");
        List<String> modalities = ctx.settings().extract().modalities();
        // gold rows live in the train partition, pseudo-labels (valid ones are on unlabeled clips) in the pool's
        List<String> splits = pseudo.isPresent() ? List.of(ManifestColumns.TRAIN, ManifestColumns.UNLABELED)
                : List.of(ManifestColumns.TRAIN);
        // only the training rows' features are aggregated, whatever the size of the pool beside them
        Dataset<Row> wide = withTokens
                ? TokenFeatures.wide(ctx.spark(), ctx.layout().features(), modalities, latest, splits)
                : PooledFeatures.wide(ctx.spark(), ctx.layout().features(), modalities, latest, splits);
        if (norm.isPresent()) {
            Dataset<Row> groups = manifest.select(col("sample_id"),
                    col(ManifestColumns.GROUP).as(GroupNormalization.ROW_GROUP));
            wide = norm.get().apply(wide.join(groups, "sample_id"), GroupNormalization.ROW_GROUP, modalities, withTokens)
                    .drop(GroupNormalization.ROW_GROUP);
        }
        return latest.join(wide, "sample_id").orderBy("sample_id");
    }

    /** Round r−1's pseudo-labels still on clips of the current unlabeled split; empty for round 1 or none. */
    static Optional<Dataset<Row>> pseudo(JobContext ctx, int round) {
        if (round <= 1 || !ctx.storage().exists(ctx.layout().pseudo(round - 1))) {
            return Optional.empty();
        }
        Dataset<Row> unlabeled = ctx.spark().read().parquet(ctx.layout().manifest())
                .where(col(ManifestColumns.SPLIT).equalTo(ManifestColumns.UNLABELED)).select("sample_id");
        return Optional.of(ctx.spark().read().parquet(ctx.layout().pseudo(round - 1))
                .join(unlabeled, "sample_id", "left_semi"));
    }

    /** Round r−1's valid pseudo-labels capped at {@code mer.train.pseudo-budget}; empty for round 1 or none. */
    public static Optional<PseudoLabelBudget.Selection> budgeted(JobContext ctx, int round) {
        return pseudo(ctx, round).map(p -> PseudoLabelBudget.apply(p, ctx.settings().train().pseudoBudget(),
                ctx.settings().classes()));
    }

    /** How many of round r−1's pseudo-labels round r keeps, and how many hygiene dropped. */
    public static PseudoHygiene hygiene(JobContext ctx, int round) {
        if (round <= 1 || !ctx.storage().exists(ctx.layout().pseudo(round - 1))) {
            return new PseudoHygiene(0, 0);
        }
        long accepted = ctx.spark().read().parquet(ctx.layout().pseudo(round - 1)).count();
        long kept = pseudo(ctx, round).map(Dataset::count).orElse(0L);
        return new PseudoHygiene(accepted, accepted - kept);
    }

    /**
     * Per training row whether it is gold and its group, what the folds are dealt from: for {@code ids} (the
     * source's rows in order), or for every row in sample_id order when {@code ids} is null. Three scalar
     * columns of the training rows only.
     */
    public static FoldPlan foldPlan(Dataset<Row> rows, List<String> ids) {
        return folding(rows, ids).plan();
    }

    /** The fold plan and the sample ids of the rows it is for, in their order. */
    public record Folding(List<String> ids, FoldPlan plan) {
    }

    /** As {@link #foldPlan}, also returning the rows' ids (sample_id order when {@code ids} is null): one collect. */
    public static Folding folding(Dataset<Row> rows, List<String> ids) {
        List<Row> side = rows.select("sample_id", "from_round", ManifestColumns.GROUP).orderBy("sample_id").collectAsList();
        java.util.Map<String, Row> byId = new java.util.HashMap<>();
        side.forEach(r -> byId.put(r.getAs("sample_id"), r));
        List<String> order = ids != null ? ids : side.stream().map(r -> (String) r.getAs("sample_id")).toList();
        boolean[] gold = new boolean[order.size()];
        String[] groups = new String[order.size()];
        for (int i = 0; i < gold.length; i++) {
            Row r = byId.get(order.get(i));
            gold[i] = ((Number) r.getAs("from_round")).intValue() == 0;
            groups[i] = r.getAs(ManifestColumns.GROUP);
        }
        return new Folding(order, new FoldPlan(gold, groups));
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
                .stopOn(t.stopOn())
                .repeats(t.repeats())
                .labelSmoothing(t.labelSmoothing())
                .inputNoise(t.inputNoise())
                .seed(seed)
                .device(t.device())
                .modalityDropout(t.modalityDropout())
                .classWeighted("class-weighted".equals(t.loss()));
        if (t.isAgt()) {
            Settings.AgtSettings agt = t.agt();
            b.model(TrainSpec.AGT).hidden(agt.width()).dropout(agt.dropout()).heads(agt.heads()).layers(agt.layers())
                    .maxTokens(modalities.stream().mapToInt(m -> agt.maxTokens().get(m)).toArray())
                    .positional(agt.positional()).pooledBranch(agt.pooledBranch());
        }
        return b.build();
    }
}
