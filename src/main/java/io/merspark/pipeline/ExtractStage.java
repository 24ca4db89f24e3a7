package io.merspark.pipeline;

import io.merspark.config.Settings;
import io.merspark.config.SettingsException;
import io.merspark.extract.ExtractSpec;
import io.merspark.extract.ExtractSummary;
import io.merspark.extract.FeatureExtractor;
import io.merspark.extract.Modality;
import io.merspark.io.ModelIntegrityException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** {@code manifest/} → {@code features/modality=<m>/} and {@code errors/stage=extract/}, both committed together. */
public final class ExtractStage {

    private static final Logger LOG = LoggerFactory.getLogger(ExtractStage.class);

    private ExtractStage() {
    }

    public static ExtractSummary run(JobContext ctx) {
        return run(ctx, false);
    }

    /**
     * @param onlyNew extract only manifest rows whose {@code sample_id} has no row yet in {@code features/} or
     *                {@code errors/stage=extract/} (the nightly case: new clips were appended); the committed
     *                tables become the old rows plus the new ones. The summary counts the new rows only.
     */
    public static ExtractSummary run(JobContext ctx, boolean onlyNew) {
        Dataset<Row> manifest = ctx.spark().read().parquet(ctx.layout().manifest());
        String featuresDir = ctx.layout().features();
        String errorsDir = ctx.layout().errors("extract");
        boolean incremental = onlyNew && ctx.storage().exists(featuresDir);
        Dataset<Row> seen = null;
        if (incremental) {
            seen = ctx.spark().read().parquet(featuresDir).select("sample_id");
            if (ctx.storage().exists(errorsDir)) {
                seen = seen.union(ctx.spark().read().parquet(errorsDir).select("sample_id"));
            }
            manifest = manifest.join(seen.distinct(), manifest.col("sample_id").equalTo(seen.col("sample_id")), "left_anti");
            LOG.info("extract --only-new: {} new manifest rows", manifest.count());
        }
        ExtractSpec spec = spec(ctx.settings());
        if (ctx.spark().sparkContext().master().startsWith("local")) {
            // local[*] and local-cluster executors share this filesystem but not (local-cluster) its working dir
            spec = spec.withAbsoluteModelPaths();
        }
        ExtractSpec finalSpec = spec;
        Dataset<Row> todo = manifest;
        ExtractSummary[] summary = new ExtractSummary[1];
        if (!incremental) {
            ctx.storage().commit(featuresDir, featuresTmp -> ctx.storage().commit(errorsDir, errorsTmp ->
                    summary[0] = new FeatureExtractor().run(ctx.spark(), todo, finalSpec, featuresTmp, errorsTmp)));
        } else {
            // New rows go to a side folder first; then old + new are rewritten together and renamed into place.
            String side = ctx.layout().root() + "/_extract_new";
            ctx.storage().delete(side);
            summary[0] = new FeatureExtractor().run(ctx.spark(), todo, finalSpec, side + "/features", side + "/errors");
            mergeInto(ctx, featuresDir, side + "/features", "modality");
            mergeInto(ctx, errorsDir, side + "/errors");
            ctx.storage().delete(side);
        }
        LOG.info("{}", summary[0]);
        return summary[0];
    }

    private static void mergeInto(JobContext ctx, String target, String added, String... partitionBy) {
        if (!ctx.storage().exists(added)) {
            return;
        }
        if (!ctx.storage().exists(target)) {
            ctx.storage().commitParquet(ctx.spark().read().parquet(added), target, partitionBy);
            return;
        }
        Dataset<Row> old = ctx.spark().read().parquet(target);
        // With the old table's schema, an empty side table (no new rows, or no new errors) reads as empty.
        Dataset<Row> merged = old.unionByName(ctx.spark().read().schema(old.schema()).parquet(added));
        ctx.storage().commitParquet(merged, target, partitionBy);
    }

    /**
     * Checks on the driver, before any Spark work, that every model of the configured modalities is there and has
     * its pinned SHA-256 (relative paths resolve against this working directory: the repository locally, the
     * folder submit.sh ships {@code models/} from on a cluster). Executors check their own copies again on load.
     *
     * @throws SettingsException naming the pin key, the file and both digests, or the missing file
     */
    public static void preflight(Settings s) {
        Settings.ExtractSettings e = s.extract();
        Map<String, String> keys = new HashMap<>();
        keys.put(e.video().model(), "mer.extract.video.encoder.model");
        keys.put(e.video().faceModel(), "mer.extract.video.face-model");
        if (e.audio().melModel() != null) {
            keys.put(e.audio().melModel(), "mer.extract.audio.encoder.mel-model");
        }
        keys.put(e.audio().embeddingModel(), "mer.extract.audio.encoder.model");
        keys.put(e.text().model(), "mer.extract.text.encoder.model");
        keys.put(e.text().tokenizer(), "mer.extract.text.encoder.tokenizer");
        ExtractSpec spec = spec(s);
        for (String location : spec.modelLocations()) {
            try {
                spec.model(location);
            } catch (ModelIntegrityException ex) {
                throw new SettingsException(ex.getMessage()); // names the pin key, the file and both digests
            } catch (IllegalArgumentException | UncheckedIOException ex) {
                throw new SettingsException(keys.get(location) + ": " + ex.getMessage());
            }
        }
    }

    /**
     * The spec of the configured extraction. The device stays as configured ({@code cpu|gpu|auto}): each task
     * resolves it to the GPU Spark assigned it, or the CPU (see {@code TaskDevices}); tasks use
     * {@code spark.task.cpus} threads.
     */
    public static ExtractSpec spec(Settings s) {
        Settings.ExtractSettings e = s.extract();
        Set<Modality> modalities = EnumSet.noneOf(Modality.class);
        e.modalities().forEach(m -> modalities.add(Modality.of(m)));
        return new ExtractSpec(modalities,
                e.video().model(), e.audio().melModel(), e.audio().embeddingModel(),
                e.text().model(), e.text().tokenizer(),
                e.video().frames(), e.video().size(),
                e.video().batchSize(), e.audio().batchSize(), e.text().batchSize(),
                e.video().maxTokens(), e.audio().maxTokens(), e.text().maxTokens(),
                e.text().maxLength(), e.partitionRows(), e.device(), 1, e.pins(),
                e.video().face(), e.video().faceModel(), e.video().framesPerCallCpu(), e.video().framesPerCallGpu(),
                e.partitionsPerCore(), e.video().encoder(), e.audio().encoder(), e.text().encoder());
    }
}
