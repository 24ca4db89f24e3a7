package io.merspark.pipeline;

import io.merspark.cli.MerCli;
import io.merspark.extract.Modality;
import io.merspark.features.FeatureTable;
import io.merspark.imports.ImportSummary;
import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(SparkTestSession.class)
class ImportStageTest {

    private static String fixtures(String folder) {
        try {
            return Paths.get(ImportStageTest.class.getResource("/npy/" + folder).toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void importsEachModalityIntoTheFeaturesLayoutAndKeepsTheOthers(SparkSession spark, @TempDir Path root) {
        JobContext ctx = JobContext.of(spark, RoundPipelineTest.settings(root));

        ImportSummary video = ImportStage.run(ctx, fixtures("good-frames"), Modality.VIDEO);
        ImportSummary text = ImportStage.run(ctx, fixtures("bad"), Modality.TEXT);
        ImportSummary audio = ImportStage.run(ctx, fixtures("good-utt"), Modality.AUDIO);

        assertEquals(6, video.imported());
        assertEquals(4, audio.imported());
        assertEquals(12, text.errors());
        var features = spark.read().parquet(ctx.layout().features());
        assertEquals(6, features.filter(col("modality").equalTo("video")).count());
        assertEquals(4, features.filter(col("modality").equalTo("audio")).count());
        assertEquals(4, features.filter(col("modality").equalTo("text")).count());
        Row encoder = features.filter(col("modality").equalTo("audio")).select("encoder").first();
        assertEquals("npy:good-utt", encoder.getString(0));
        assertEquals(12, spark.read().parquet(ctx.layout().errors("import")).count());

        // importing a modality again replaces its features and its error rows, nothing else
        ImportStage.run(ctx, fixtures("good-frames"), Modality.TEXT);
        assertEquals(0, spark.read().parquet(ctx.layout().errors("import")).count());
        assertEquals(6, spark.read().parquet(ctx.layout().features("text")).count());
        assertEquals(6, spark.read().parquet(ctx.layout().features("video")).count());
    }

    @Test
    void importsIntoTheSplitPartitionsOfTheManifest(SparkSession spark, @TempDir Path root) {
        JobContext ctx = JobContext.of(spark, RoundPipelineTest.settings(root));
        // f32_t40 is not in the manifest: imported, but no split's read sees it
        spark.sql("SELECT * FROM VALUES ('f16_t7','train'), ('f32_fortran_t3','test'), ('f32_t1','unlabeled'),"
                + " ('f32_t5','unlabeled'), ('known_t4','test') AS t(sample_id, split)")
                .write().parquet(ctx.layout().manifest());

        ImportStage.run(ctx, fixtures("good-frames"), Modality.VIDEO);

        assertTrue(FeatureTable.bySplit(spark, ctx.layout().features()));
        Dataset<Row> test = FeatureTable.read(spark, ctx.layout().features(), List.of("video"), List.of("test"));
        assertEquals(List.of("f32_fortran_t3", "known_t4"), test.select("sample_id").as(Encoders.STRING())
                .collectAsList().stream().sorted().toList());
        assertEquals(6, spark.read().parquet(ctx.layout().features()).count());
    }

    @Test
    void cliRefusesAMissingFolderOrUnknownModalityWithExitCode2BeforeSparkStarts(@TempDir Path root) {
        assertEquals(2, MerCli.run("import-features", "--dir", root.resolve("nope").toString(), "--modality", "video",
                "--root", root.toString()));
        assertEquals(2, MerCli.run("import-features", "--dir", fixtures("good-utt"), "--modality", "smell",
                "--root", root.toString()));
    }
}
