package io.merspark.pipeline;

import io.merspark.config.Settings;
import io.merspark.extract.ExtractSpec;
import io.merspark.extract.ExtractSummary;
import io.merspark.extract.FeatureExtractor;
import io.merspark.extract.Modality;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.EnumSet;
import java.util.Set;

/** {@code manifest/} → {@code features/modality=<m>/} and {@code errors/stage=extract/}, both committed together. */
public final class ExtractStage {

    private static final Logger LOG = LoggerFactory.getLogger(ExtractStage.class);

    private ExtractStage() {
    }

    public static ExtractSummary run(JobContext ctx) {
        Dataset<Row> manifest = ctx.spark().read().parquet(ctx.layout().manifest());
        ExtractSpec spec = spec(ctx.settings());
        ExtractSummary[] summary = new ExtractSummary[1];
        ctx.storage().commit(ctx.layout().features(), featuresTmp ->
                ctx.storage().commit(ctx.layout().errors("extract"), errorsTmp ->
                        summary[0] = new FeatureExtractor().run(ctx.spark(), manifest, spec, featuresTmp, errorsTmp)));
        LOG.info("{}", summary[0]);
        return summary[0];
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
                e.text().maxLength(), e.partitionRows(), e.device(), 1);
    }
}
