package io.merspark.pipeline;

import io.merspark.config.Settings;
import io.merspark.config.SettingsException;
import io.merspark.extract.ExtractSpec;
import io.merspark.extract.ExtractSummary;
import io.merspark.extract.FeatureExtractor;
import io.merspark.extract.Modality;
import io.merspark.io.AppendCommit;
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
     *                {@code errors/stage=extract/} (the nightly case: new clips were appended), and retry the
     *                (sample, modality) pairs whose error was transient (see {@link io.merspark.io.ErrorKind}). Their files are
     *                added to both tables in one {@link AppendCommit}; no committed file is rewritten except the
     *                error files holding a retried row. The summary counts the new and retried rows only.
     */
    public static ExtractSummary run(JobContext ctx, boolean onlyNew) {
        AppendCommit append = new AppendCommit(ctx.spark(), ctx.layout().root());
        if (append.recover() > 0) {
            LOG.info("finished an interrupted extract --only-new commit");
        }
        String featuresDir = ctx.layout().features();
        String errorsDir = ctx.layout().errors("extract");
        ExtractSpec spec = spec(ctx.settings());
        if (ctx.spark().sparkContext().master().startsWith("local")) {
            // local[*] and local-cluster executors share this filesystem but not (local-cluster) its working dir
            spec = spec.withAbsoluteModelPaths();
        }
        ExtractSpec finalSpec = spec;
        Dataset<Row> manifest = ctx.spark().read().parquet(ctx.layout().manifest());
        ExtractSummary summary;
        if (onlyNew && ctx.storage().exists(featuresDir)) {
            summary = new ExtractAppend(ctx, append, finalSpec).run(manifest, featuresDir, errorsDir);
        } else {
            ExtractSummary[] full = new ExtractSummary[1];
            ctx.storage().commit(featuresDir, featuresTmp -> ctx.storage().commit(errorsDir, errorsTmp ->
                    full[0] = new FeatureExtractor().run(ctx.spark(), manifest, finalSpec, featuresTmp, errorsTmp)));
            summary = full[0];
        }
        LOG.info("{}", summary);
        return summary;
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
                e.audio().windowsPerCallCpu(), e.audio().windowsPerCallGpu(),
                e.partitionsPerCore(), e.video().encoder(), e.audio().encoder(), e.text().encoder());
    }
}
