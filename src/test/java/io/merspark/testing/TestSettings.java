package io.merspark.testing;

import io.merspark.config.ConfigLoader;
import io.merspark.config.Settings;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Settings for tests: the bundled model files by absolute path (tests do not run from the repository root). */
public final class TestSettings {

    private TestSettings() {
    }

    public static Settings load(Path conf, String... overrides) {
        List<String> o = new ArrayList<>(List.of(overrides));
        o.addAll(0, modelOverrides());
        return Settings.from(ConfigLoader.load(conf, o));
    }

    /**
     * The bundled models by absolute path, and the fixed-threshold selection the round tests were written
     * against (their thresholds say what they accept); the default topk strategy has its own tests.
     */
    public static List<String> modelOverrides() {
        Path models = SparkTestSession.projectDir().resolve("models");
        return List.of(
                "select.strategy=fixed",
                "extract.video.encoder.model=\"" + models.resolve("face-expression/face_expression.onnx") + "\"",
                "extract.audio.encoder.mel-model=\"" + models.resolve("speech-embedding/melspectrogram.onnx") + "\"",
                "extract.audio.encoder.model=\"" + models.resolve("speech-embedding/embedding_model_full.onnx") + "\"");
    }
}
