package io.merspark.cli;

import io.merspark.io.Layout;
import io.merspark.io.Sha256;
import io.merspark.testing.FileDigests;
import io.merspark.testing.SparkTestSession;
import io.merspark.testing.TestSettings;
import io.merspark.train.FusionEnsemble;
import io.merspark.train.FusionSample;
import io.merspark.train.FusionTrainer;
import io.merspark.train.TrainSpec;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every refusal that must come before any work, through the CLI: a non-zero exit, a message naming the key or path,
 * and nothing written under the output root (a fresh root is not even created; a root holding a saved model keeps
 * exactly the files it had).
 */
@ExtendWith(SparkTestSession.class)
class ValidationMatrixTest {

    private static final Path FACE = SparkTestSession.projectDir().resolve("models/face-expression/face_expression.onnx");
    private static final List<String> SAVED_CLASSES = TrainSpec.MER_CLASSES;

    /** A root whose round 1 has a committed model (trained on {@link #SAVED_CLASSES}) but is not complete. */
    @TempDir
    static Path trained;

    @BeforeAll
    static void saveAModel() throws IOException {
        Random random = new Random(7);
        List<FusionSample> rows = new ArrayList<>();
        for (int i = 0; i < 36; i++) {
            float[][] f = {gaussian(random, 4, i % 6), gaussian(random, 3, i % 6)};
            rows.add(FusionSample.labelled("s" + i, f, i % 6));
        }
        TrainSpec spec = TrainSpec.builder(List.of("video", "audio"), new int[] {4, 3}, SAVED_CLASSES)
                .device("cpu").folds(2).maxEpochs(2).hidden(8).batchSize(16).build();
        Path model = Path.of(new Layout(trained.toString()).model(1));
        try (FusionEnsemble ensemble = new FusionTrainer().train(rows, spec)) {
            ensemble.save(model);
        }
        Files.writeString(model.resolve("train.json"), "{\"model\":\"attention\",\"n_train\":36,\"n_pseudo_used\":0}");
    }

    private static float[] gaussian(Random random, int dim, int label) {
        float[] v = new float[dim];
        for (int d = 0; d < dim; d++) {
            v[d] = label + (float) random.nextGaussian();
        }
        return v;
    }

    @Test
    void unknownKey(@TempDir Path dir) {
        Path root = dir.resolve("out");
        CliOutcome o = extract(root, "extract.video.framez=4");
        refusedBeforeWork(o, 2, root, "error: unknown config key: mer.extract.video.framez");
    }

    @Test
    void wrongType(@TempDir Path dir) {
        Path root = dir.resolve("out");
        CliOutcome o = extract(root, "extract.video.frames=many");
        refusedBeforeWork(o, 2, root, "mer.extract.video.frames");
    }

    @Test
    void missingModelFile(@TempDir Path dir) {
        Path root = dir.resolve("out");
        Path missing = dir.resolve("models/nowhere.onnx");
        CliOutcome o = extract(root, "extract.video.encoder.model=\"" + missing + "\"");
        refusedBeforeWork(o, 2, root, "error: mer.extract.video.encoder.model: model file not found: " + missing);

        CliOutcome resource = extract(root, "extract.text.encoder.model=\"classpath:nowhere.onnx\"");
        refusedBeforeWork(resource, 2, root, "error: mer.extract.text.encoder.model: model resource not on the classpath");
    }

    @Test
    void unknownEncoderKindOrMissingEncoderKey(@TempDir Path dir) {
        Path root = dir.resolve("out");
        refusedBeforeWork(extract(root, "extract.audio.encoder.kind=hubert"), 2, root,
                "error: mer.extract.audio.encoder.kind must be one of [speech-embedding, waveform], got 'hubert'");
        refusedBeforeWork(extract(root, "extract.audio.encoder={kind=waveform, model=\"" + FACE + "\", layer=4}"), 2,
                root, "error: unknown config key for kind waveform: mer.extract.audio.encoder.layer");
        refusedBeforeWork(extract(root, "extract.text.encoder={kind=causal-lm, model=\"" + FACE + "\"}"), 2, root,
                "error: mer.extract.text.encoder.tokenizer is missing (needed by kind causal-lm)");
    }

    @Test
    void pinMismatch(@TempDir Path dir) throws IOException {
        Path root = dir.resolve("out");
        Path swapped = dir.resolve("face_expression.onnx");
        byte[] bytes = Files.readAllBytes(FACE);
        bytes[bytes.length / 2] ^= 0x01; // one bit of one weight: loads fine, predicts differently
        Files.write(swapped, bytes);
        String vetted = Sha256.of(FACE);
        CliOutcome o = extract(root, "extract.video.encoder.model=\"" + swapped + "\"",
                "extract.video.encoder.model-sha256=" + vetted);
        refusedBeforeWork(o, 2, root, "error: refusing to load " + swapped + ": SHA-256 is " + Sha256.of(swapped)
                + " but mer.extract.video.encoder.model-sha256 expects " + vetted);
    }

    @Test
    void malformedPin(@TempDir Path dir) {
        Path root = dir.resolve("out");
        CliOutcome o = extract(root, "extract.audio.encoder.model-sha256=deadbeef");
        refusedBeforeWork(o, 2, root, "error: mer.extract.audio.encoder.model-sha256: expected 64 hex digits");
    }

    @Test
    void classListDisagreeingWithTheSavedModel(SparkSession spark) throws IOException {
        Map<String, String> before = FileDigests.under(trained);
        String configured = "[neutral, angry, happy, sad, worried, surprise, disgust]";
        String expected = "error: mer.classes " + configured + " disagrees with the classes " + SAVED_CLASSES
                + " of the saved model " + new Layout(trained.toString()).model(1);
        for (String job : List.of("score", "select", "evaluate")) {
            CliOutcome o = onTrainedRoot(job, "--round", "1", "classes=[neutral,angry,happy,sad,worried,surprise,disgust]");
            assertEquals(2, o.code(), job + ": " + o.err());
            assertTrue(o.err().contains(expected), job + ": " + o.err());
        }
        // round 2 trains on round 1's pseudo-labels, which are names from round 1's class list
        CliOutcome train = onTrainedRoot("train", "--round", "2", "classes=[neutral,happy,angry,sad,worried,surprise]");
        assertEquals(2, train.code(), train.err());
        assertTrue(train.err().contains("mer.classes [neutral, happy, angry, sad, worried, surprise] disagrees"),
                train.err());
        assertEquals(before, FileDigests.under(trained), "no output written, the saved model untouched");
        assertFalse(spark.sparkContext().isStopped(), "a session the job did not start is left running");
    }

    @Test
    void aRoundThatSkipsOne() throws IOException {
        Map<String, String> before = FileDigests.under(trained);
        Layout layout = new Layout(trained.toString());
        CliOutcome skip = onTrainedRoot("round", "--round", "3");
        assertEquals(3, skip.code(), skip.err());
        assertTrue(skip.err().contains("error: round 3 cannot start: round 2 is not complete (no "
                + layout.success(2) + ")"), skip.err());
        // round 1 has a model but no _SUCCESS: round 2 may not start either
        CliOutcome early = onTrainedRoot("round", "--round", "2");
        assertEquals(3, early.code(), early.err());
        assertTrue(early.err().contains("round 1 is not complete"), early.err());
        assertEquals(before, FileDigests.under(trained), "no output written");
    }

    private static CliOutcome extract(Path root, String... extra) {
        List<String> args = new ArrayList<>(List.of("extract", "--root", root.toString()));
        args.addAll(TestSettings.modelOverrides());
        args.addAll(List.of(extra));
        return CliOutcome.run(args.toArray(String[]::new));
    }

    private static CliOutcome onTrainedRoot(String job, String... extra) {
        List<String> args = new ArrayList<>(List.of(job, "--root", trained.toString(), "spark.shuffle-partitions=2"));
        args.addAll(TestSettings.modelOverrides());
        args.addAll(List.of(extra));
        return CliOutcome.run(args.toArray(String[]::new));
    }

    private static void refusedBeforeWork(CliOutcome o, int code, Path root, String message) {
        assertEquals(code, o.code(), o.err());
        assertTrue(o.err().contains(message), "expected '" + message + "' in:\n" + o.err());
        assertFalse(Files.exists(root), "nothing may be written, not even the root");
    }
}
