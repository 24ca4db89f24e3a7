package io.merspark.extract;

import io.merspark.cli.MerCli;
import io.merspark.config.ModelPin;
import io.merspark.config.Settings;
import io.merspark.config.SettingsException;
import io.merspark.io.Sha256;
import io.merspark.pipeline.ExtractStage;
import io.merspark.testing.SparkTestSession;
import io.merspark.testing.TestSettings;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Pinned model files: the right digest loads, any other is refused at start-up and on the executors. */
@ExtendWith(SparkTestSession.class)
class ModelIntegrityTest {

    private static final Path FACE = SparkTestSession.projectDir().resolve("models/face-expression/face_expression.onnx");
    private static final String WRONG = "0".repeat(64);

    @Test
    void theRightDigestLoadsAndIsCarriedToTheExtractSpec() {
        String digest = Sha256.of(FACE);
        Settings s = TestSettings.load(null, "extract.video.encoder.model-sha256=" + digest.toUpperCase());
        assertEquals(new ModelPin("mer.extract.video.encoder.model-sha256", digest), s.extract().pins().get(FACE.toString()));
        assertEquals(s.extract().pins(), io.merspark.pipeline.ExtractStage.spec(s).pins());
    }

    @Test
    void aDifferentFileIsRefusedByTheExtractPreflightNamingKeyPathAndDigests() {
        // reading the config hashes nothing: jobs that load no encoder (train, score) do not pay for it
        Settings s = TestSettings.load(null, "extract.video.encoder.model-sha256=" + WRONG);
        SettingsException e = assertThrows(SettingsException.class, () -> ExtractStage.preflight(s));
        assertEquals("refusing to load " + FACE + ": SHA-256 is " + Sha256.of(FACE)
                + " but mer.extract.video.encoder.model-sha256 expects " + WRONG, e.getMessage());
        // the text model is a classpath resource: its bytes are checked too
        SettingsException text = assertThrows(SettingsException.class,
                () -> ExtractStage.preflight(TestSettings.load(null, "extract.text.encoder.model-sha256=" + WRONG)));
        assertTrue(text.getMessage().contains("mer.extract.text.encoder.model-sha256"), text.getMessage());
        // a pinned model of a modality that is not extracted is not loaded, so not checked
        ExtractStage.preflight(TestSettings.load(null, "extract.modalities=[audio,text]",
                "extract.video.encoder.model-sha256=" + WRONG));
    }

    @Test
    void everyBundledModelPassesItsRealPin() {
        Settings s = TestSettings.load(null,
                "extract.video.encoder.model-sha256=" + Sha256.of(FACE),
                "extract.audio.encoder.mel-model-sha256=" + Sha256.of(Path.of(s0().extract().audio().melModel())),
                "extract.audio.encoder.model-sha256=" + Sha256.of(Path.of(s0().extract().audio().embeddingModel())),
                "extract.text.encoder.model-sha256=" + Sha256.of(ModelFiles.resolve(s0().extract().text().model())),
                "extract.text.encoder.tokenizer-sha256=" + Sha256.of(ModelFiles.resolve(s0().extract().text().tokenizer())));
        assertEquals(5, s.extract().pins().size());
        ExtractStage.preflight(s);
    }

    @Test
    void aClasspathModelIsCopiedOncePerVersionAndATamperedCopyIsReplaced(@TempDir Path root) throws Exception {
        String resource = "all-minilm-l6-v2-q-tokenizer.json";
        Path first = ModelFiles.extract(resource, root);
        String sha;
        try (var in = getClass().getClassLoader().getResourceAsStream(resource)) {
            sha = Sha256.of(in.readAllBytes());
        }
        // named by content, where every JVM of the host finds it: no temp directory per process
        assertEquals(root.resolve(sha).resolve(resource), first);
        assertEquals(sha, Sha256.of(first));
        long modified = Files.getLastModifiedTime(first).toMillis();
        assertEquals(first, ModelFiles.extract(resource, root));
        assertEquals(modified, Files.getLastModifiedTime(first).toMillis(), "an intact copy is reused, not rewritten");

        Files.writeString(first, "{}"); // a copy changed behind our back
        assertEquals(first, ModelFiles.extract(resource, root));
        assertEquals(sha, Sha256.of(first), "a copy whose bytes do not hash to its name is replaced");
        try (var left = Files.list(first.getParent())) {
            assertEquals(List.of(first), left.toList(), "no partial copies left behind");
        }
    }

    @Test
    void theConfFilesPinTheBundledModels() {
        for (String conf : List.of("conf/local.conf", "conf/cluster.conf")) {
            Settings s = TestSettings.load(SparkTestSession.projectDir().resolve(conf));
            // the five encoder files and the face detector
            assertEquals(6, s.extract().pins().size(), conf);
            ExtractStage.preflight(s);
        }
    }

    @Test
    void aMissingModelIsNamedByItsKey(@TempDir Path dir) throws Exception {
        // present when the config was read, gone when the extract job starts
        Path copy = Files.copy(FACE, dir.resolve("face.onnx"));
        Settings s = TestSettings.load(null, "extract.video.encoder.model=\"" + copy + "\"");
        Files.delete(copy);
        SettingsException e = assertThrows(SettingsException.class, () -> ExtractStage.preflight(s));
        assertEquals("mer.extract.video.encoder.model: model file not found: " + copy, e.getMessage());
    }

    private static Settings s0() {
        return TestSettings.load(null);
    }

    @Test
    void aMalformedPinIsNamed() {
        SettingsException e = assertThrows(SettingsException.class,
                () -> TestSettings.load(null, "extract.audio.encoder.mel-model-sha256=abc123"));
        assertTrue(e.getMessage().startsWith("mer.extract.audio.encoder.mel-model-sha256: expected 64 hex digits"), e.getMessage());
    }

    @Test
    void theCliStopsWithExitTwoBeforeAnyWork(@TempDir Path root) {
        int code = MerCli.run("extract", "--root", root.resolve("out").toString(),
                "extract.video.encoder.model=\"" + FACE + "\"", "extract.video.encoder.model-sha256=" + WRONG);
        assertEquals(2, code);
        assertFalse(Files.exists(root.resolve("out")), "nothing may be written");
    }

    @Test
    void anExecutorThatSeesAnotherFileFailsTheJobInsteadOfWritingErrorRows(SparkSession spark, @TempDir Path out) {
        // The driver's check passed (or the driver never saw the file); the executor's copy is not the pinned one.
        Dataset<Row> manifest = Manifests.read(spark, SparkTestSession.dataDir().resolve("tiny/manifest.csv")).limit(4);
        ExtractSpec unpinned = ExtractSpec.defaults(SparkTestSession.projectDir().resolve("models"))
                .withModalities(java.util.EnumSet.of(Modality.VIDEO));
        // the same file already loaded unpinned in this JVM (as by an earlier job) must not satisfy the pin
        EncoderCache.face(unpinned, null);
        ExtractSpec spec = unpinned
                .withPins(Map.of(FACE.toString(), new ModelPin("mer.extract.video.encoder.model-sha256", WRONG)));
        Exception e = assertThrows(Exception.class, () -> new FeatureExtractor().run(spark, manifest, spec,
                out.resolve("f").toString(), out.resolve("e").toString()));
        String chain = messages(e);
        assertTrue(chain.contains("refusing to load " + FACE) && chain.contains("mer.extract.video.encoder.model-sha256"), chain);
        assertFalse(Files.exists(out.resolve("e")) && spark.read().parquet(out.resolve("e").toString()).count() > 0,
                "a refused model is a job failure, not per-row errors");
    }

    private static String messages(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getMessage()).append(" | ");
        }
        return sb.toString();
    }
}
