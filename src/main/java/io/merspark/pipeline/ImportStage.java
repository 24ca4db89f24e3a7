package io.merspark.pipeline;

import io.merspark.config.Settings;
import io.merspark.config.SettingsException;
import io.merspark.extract.Modality;
import io.merspark.features.FeatureTable;
import io.merspark.imports.FeatureImporter;
import io.merspark.imports.ImportSummary;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.apache.spark.sql.functions.col;

/**
 * A MER tool-chain feature folder ({@code <sample_id>.npy}) → {@code features/modality=<m>/} (replacing that
 * modality's features, the other modalities stay) and {@code errors/stage=import/} (this modality's rows replaced,
 * the other modalities' rows kept), both committed together.
 */
public final class ImportStage {

    private static final Logger LOG = LoggerFactory.getLogger(ImportStage.class);

    private ImportStage() {
    }

    public static ImportSummary run(JobContext ctx, String dir, Modality modality) {
        if (dir == null || dir.isBlank()) {
            throw new SettingsException("--dir: the feature folder is required");
        }
        if (!ctx.storage().exists(dir)) {
            throw new SettingsException("--dir: folder not found: " + dir);
        }
        int maxTokens = maxTokens(ctx.settings(), modality);
        String errors = ctx.layout().errors("import");
        // the imported modality takes the table's layout, so the table stays readable as one
        Dataset<Row> splits = FeatureTable.bySplit(ctx.spark(), ctx.layout().features())
                && ctx.storage().exists(ctx.layout().manifest())
                ? ctx.spark().read().parquet(ctx.layout().manifest()).select("sample_id", FeatureTable.SPLIT) : null;
        ImportSummary[] summary = new ImportSummary[1];
        ctx.storage().commit(ctx.layout().features(modality.key()), featuresTmp ->
                ctx.storage().commit(errors, errorsTmp -> {
                    Dataset<Row> kept = ctx.storage().exists(errors)
                            ? ctx.spark().read().parquet(errors).filter(col("modality").notEqual(modality.key()))
                            : null;
                    try {
                        summary[0] = new FeatureImporter().run(ctx.spark(), dir, modality, maxTokens, featuresTmp,
                                errorsTmp, kept, splits);
                    } catch (IllegalArgumentException e) {
                        throw new SettingsException("--dir: " + e.getMessage());
                    }
                }));
        LOG.info("{}", summary[0]);
        return summary[0].requireBalanced();
    }

    static int maxTokens(Settings s, Modality m) {
        return switch (m) {
            case VIDEO -> s.extract().video().maxTokens();
            case AUDIO -> s.extract().audio().maxTokens();
            case TEXT -> s.extract().text().maxTokens();
        };
    }
}
