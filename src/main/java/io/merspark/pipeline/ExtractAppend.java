package io.merspark.pipeline;

import io.merspark.extract.ExtractSpec;
import io.merspark.extract.ExtractSummary;
import io.merspark.extract.FeatureExtractor;
import io.merspark.extract.Modality;
import io.merspark.features.FeatureTable;
import io.merspark.io.AppendCommit;
import io.merspark.io.ErrorKind;
import io.merspark.io.ErrorTable;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;

/**
 * {@code extract --only-new} on a root that has features: extracts the manifest rows not seen yet and retries the
 * (sample, modality) pairs whose error was transient, into one staging folder, then adds the new files to
 * {@code features/} and {@code errors/stage=extract/} in one {@link AppendCommit}. The error files that hold a
 * retried row are rewritten without it (the retry's outcome is among the new files); every other committed file is
 * left as it is. On a split-partitioned table, the features of samples whose manifest split changed since they were
 * extracted are copied into their new split's partition in the same commit ({@link SplitMoves}).
 */
final class ExtractAppend {

    private static final Logger LOG = LoggerFactory.getLogger(ExtractAppend.class);

    /** Error files written before the transient flag read with it as null (then classified by reason). */
    static final StructType ERRORS_SCHEMA = ErrorTable.SCHEMA.add(ErrorKind.COLUMN, DataTypes.BooleanType, true);

    private final JobContext ctx;
    private final AppendCommit append;
    private final ExtractSpec spec;

    ExtractAppend(JobContext ctx, AppendCommit append, ExtractSpec spec) {
        this.ctx = ctx;
        this.append = append;
        this.spec = spec;
    }

    ExtractSummary run(Dataset<Row> manifest, String featuresDir, String errorsDir) {
        boolean haveErrors = ctx.storage().exists(errorsDir);
        Dataset<Row> errors = haveErrors ? ctx.spark().read().schema(ERRORS_SCHEMA).parquet(errorsDir) : null;

        Dataset<Row> seen = ctx.spark().read().parquet(featuresDir).select("sample_id");
        if (haveErrors) {
            seen = seen.union(errors.select("sample_id"));
        }
        seen = seen.distinct();
        Dataset<Row> fresh = manifest.join(seen, manifest.col("sample_id").equalTo(seen.col("sample_id")), "left_anti");
        Map<Modality, List<String>> retries = haveErrors ? retries(errors, manifest) : Map.of();

        // the new files follow the table's layout: Spark cannot read a modality folder that mixes both
        boolean bySplit = FeatureTable.bySplit(ctx.spark(), featuresDir);
        String staging = append.begin();
        List<AppendCommit.Add> adds = new ArrayList<>();
        List<String> removes = new ArrayList<>();
        ExtractSummary summary = ExtractSummary.empty(spec.modalities());
        long freshRows = fresh.count();
        LOG.info("extract --only-new: {} new manifest rows, transient errors to retry {}", freshRows, retries);
        if (freshRows > 0) {
            summary = summary.plus(extract(fresh, spec, staging + "/new", featuresDir, errorsDir, adds, bySplit));
        }
        if (bySplit) {
            long moved = new SplitMoves(ctx.spark()).copy(manifest, featuresDir, staging + "/moved");
            if (moved > 0) {
                adds.addAll(append.filesOf(staging + "/moved", featuresDir));
                LOG.info("extract --only-new: copied {} feature rows of samples whose split changed", moved);
            }
        }
        for (Map.Entry<Modality, List<String>> r : retries.entrySet()) {
            Dataset<Row> rows = manifest.where(col("sample_id").isin(r.getValue().toArray()));
            summary = summary.plus(extract(rows, spec.withModalities(Set.of(r.getKey())),
                    staging + "/retry-" + r.getKey().key(), featuresDir, errorsDir, adds, bySplit));
        }
        if (!retries.isEmpty()) {
            rewriteWithoutRetried(errors, retries, staging + "/errors-kept", errorsDir, adds, removes);
        }
        append.commit(staging, adds, removes);
        LOG.info("extract --only-new committed {} new files, replaced {} error files", adds.size(), removes.size());
        return summary;
    }

    /** Per configured modality, the sample ids still in the manifest whose error there was transient. */
    private Map<Modality, List<String>> retries(Dataset<Row> errors, Dataset<Row> manifest) {
        Dataset<Row> ids = manifest.select("sample_id");
        Map<Modality, List<String>> out = new EnumMap<>(Modality.class);
        for (Row r : errors.where(ErrorKind.isTransient()).select("sample_id", "modality")
                .join(ids, "sample_id").distinct().collectAsList()) {
            Modality m = Modality.of(r.getString(1));
            if (spec.modalities().contains(m)) {
                out.computeIfAbsent(m, k -> new ArrayList<>()).add(r.getString(0));
            }
        }
        return out;
    }

    /** Extracts {@code rows} into {@code dir}; its non-empty outputs are added to the tables. */
    private ExtractSummary extract(Dataset<Row> rows, ExtractSpec runSpec, String dir, String featuresDir,
                                   String errorsDir, List<AppendCommit.Add> adds, boolean bySplit) {
        ExtractSummary s = new FeatureExtractor().run(ctx.spark(), rows, runSpec, dir + "/features", dir + "/errors",
                bySplit);
        if (s.featuresOut() > 0) {
            adds.addAll(append.filesOf(dir + "/features", featuresDir));
        }
        if (s.errors() > 0) {
            adds.addAll(append.filesOf(dir + "/errors", errorsDir));
        }
        return s;
    }

    /**
     * The committed error files holding a retried (sample, modality) are replaced by one file of their other rows
     * (errors are small), with the transient flag filled in for rows written before it existed.
     */
    private void rewriteWithoutRetried(Dataset<Row> errors, Map<Modality, List<String>> retries, String dir,
                                       String errorsDir, List<AppendCommit.Add> adds, List<String> removes) {
        List<Row> keys = new ArrayList<>();
        retries.forEach((m, ids) -> ids.forEach(id -> keys.add(RowFactory.create(id, m.key()))));
        Dataset<Row> retried = ctx.spark().createDataFrame(keys, new StructType()
                .add("sample_id", DataTypes.StringType).add("modality", DataTypes.StringType));
        List<String> files = errors.withColumn("_file", input_file_name())
                .join(retried, new String[]{"sample_id", "modality"}, "left_semi")
                .select("_file").distinct().as(Encoders.STRING()).collectAsList()
                .stream().map(f -> new Path(URI.create(f)).toString()).sorted().toList();
        if (files.isEmpty()) {
            return;
        }
        Dataset<Row> kept = ctx.spark().read().schema(ERRORS_SCHEMA).parquet(files.toArray(String[]::new))
                .withColumn(ErrorKind.COLUMN, ErrorKind.isTransient())
                .join(retried, new String[]{"sample_id", "modality"}, "left_anti")
                .select("sample_id", "modality", "reason", ErrorKind.COLUMN);
        if (!kept.isEmpty()) {
            kept.coalesce(1).write().parquet(dir);
            adds.addAll(append.filesOf(dir, errorsDir));
        }
        removes.addAll(files);
    }
}
