package io.merspark.bench;

import io.merspark.features.TokenFeatures;
import io.merspark.ingest.ManifestColumns;
import io.merspark.io.Layout;
import io.merspark.pipeline.TrainingSet;
import io.merspark.train.FusionSample;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;

import static org.apache.spark.sql.functions.col;

/**
 * The labelled splits of an extracted project root (manifest/ + features/), read-only, as the benches use
 * them: one row per sample with pooled vectors and tokens, in sample_id order.
 */
final class BenchData {

    private BenchData() {
    }

    /** Fails with a hint when the root has no extracted features. */
    static Layout layout(String root) {
        Layout layout = new Layout(root);
        if (!root.contains("://") && !Files.isDirectory(Paths.get(layout.features()))) {
            throw new IllegalArgumentException("no features under " + root
                    + ": run ./submit.sh demo first, or pass --root DIR of an extracted project");
        }
        return layout;
    }

    /** The {@code split} rows of the manifest joined with pooled vectors and tokens of every modality. */
    static Dataset<Row> split(SparkSession spark, Layout layout, String split, List<String> modalities) {
        Dataset<Row> ids = spark.read().parquet(layout.manifest())
                .where(col(ManifestColumns.SPLIT).equalTo(split))
                .select("sample_id", "label");
        return ids.join(TokenFeatures.wide(spark, layout.features(), modalities), "sample_id").orderBy("sample_id");
    }

    static List<FusionSample> samples(Dataset<Row> rows, List<String> classes, List<String> modalities) {
        return rows.collectAsList().stream().map(r -> TrainingSet.sample(r, classes, modalities, true)).toList();
    }

    static List<FusionSample> samples(SparkSession spark, Layout layout, String split, List<String> classes,
                                      List<String> modalities) {
        return samples(split(spark, layout, split, modalities), classes, modalities);
    }

    /** The sample restricted to the first-listed modalities of {@code all} that {@code keep} names. */
    static FusionSample restrict(FusionSample s, List<String> all, List<String> keep) {
        float[][] f = new float[keep.size()][];
        float[][][] t = new float[keep.size()][][];
        for (int i = 0; i < keep.size(); i++) {
            int m = all.indexOf(keep.get(i));
            f[i] = s.features()[m];
            t[i] = s.tokens() == null ? null : s.tokens()[m];
        }
        return new FusionSample(s.sampleId(), f, s.label(), s.weight(), t);
    }
}
