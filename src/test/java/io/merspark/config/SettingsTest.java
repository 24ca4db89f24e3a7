package io.merspark.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class SettingsTest {

    private static Settings load(Path conf, String... overrides) {
        return io.merspark.testing.TestSettings.load(conf, overrides);
    }

    @Test
    void referenceDefaultsResolve() {
        Settings s = load(null);
        assertEquals(List.of("neutral", "angry", "happy", "sad", "worried", "surprise"), s.classes());
        assertEquals(5, s.train().folds());
        assertEquals("agt", s.train().model());
        assertEquals(0.95, s.select().threshold(), 1e-12);
        assertEquals(List.of("video", "audio", "text"), s.extract().modalities());
        assertTrue(s.extract().text().model().startsWith("classpath:"));
        assertNotEquals(s.roundSeed(1), s.roundSeed(2));
    }

    @Test
    void commandLineOverridesFileOverridesReference(@TempDir Path dir) throws IOException {
        Path conf = dir.resolve("a.conf");
        Files.writeString(conf, "mer { train.folds = 3, select.threshold = 0.8, root = from-file }");
        Settings s = load(conf, "train.folds=4", "mer.select.class-thresholds.happy=0.99");
        assertEquals(4, s.train().folds());
        assertEquals(0.8, s.select().threshold(), 1e-12);
        assertEquals("from-file", s.root());
        assertEquals(0.99, s.select().classThresholds().get("happy"), 1e-12);
    }

    @Test
    void aTruthFileSparkWouldSkipIsNamed(@TempDir Path dir) throws IOException {
        Path hidden = dir.resolve("_truth.csv");
        Files.writeString(hidden, "sample_id,label\na,happy\n");
        SettingsException e = assertThrows(SettingsException.class,
                () -> load(null, "evaluate.truth=\"" + hidden + "\""));
        assertTrue(e.getMessage().startsWith("mer.evaluate.truth: " + hidden + ": a file name starting with '_'"),
                e.getMessage());
    }

    @Test
    void unknownKeyIsNamed() {
        SettingsException e = assertThrows(SettingsException.class, () -> load(null, "train.epochz=3"));
        assertEquals("unknown config key: mer.train.epochz", e.getMessage());
    }

    @Test
    void wrongTypeAndRangeNameTheKey() {
        SettingsException t = assertThrows(SettingsException.class, () -> load(null, "train.folds=many"));
        assertTrue(t.getMessage().contains("mer.train.folds"), t.getMessage());
        SettingsException r = assertThrows(SettingsException.class, () -> load(null, "select.threshold=1.5"));
        assertTrue(r.getMessage().startsWith("mer.select.threshold must be in [0, 1]"), r.getMessage());
        SettingsException m = assertThrows(SettingsException.class, () -> load(null, "train.model=lstm"));
        assertTrue(m.getMessage().startsWith("mer.train.model must be one of"), m.getMessage());
        SettingsException c = assertThrows(SettingsException.class, () -> load(null, "select.class-thresholds.bored=0.9"));
        assertTrue(c.getMessage().contains("mer.select.class-thresholds.bored"), c.getMessage());
    }

    @Test
    void unknownSystemPropertyKeyIsNamed() {
        System.setProperty("mer.train.foldz", "3");
        com.typesafe.config.ConfigFactory.invalidateCaches();
        try {
            SettingsException e = assertThrows(SettingsException.class, () -> load(null));
            assertEquals("unknown config key: mer.train.foldz", e.getMessage());
        } finally {
            System.clearProperty("mer.train.foldz");
            com.typesafe.config.ConfigFactory.invalidateCaches();
        }
    }

    @Test
    void missingModelFileIsNamed() {
        SettingsException e = assertThrows(SettingsException.class,
                () -> Settings.from(ConfigLoader.load(null, List.of("extract.video.encoder.model=/nowhere/face.onnx"))));
        assertTrue(e.getMessage().startsWith("mer.extract.video.encoder.model: model file not found"), e.getMessage());
    }

    @Test
    void missingClasspathModelIsNamed() {
        SettingsException e = assertThrows(SettingsException.class,
                () -> load(null, "extract.text.encoder.tokenizer=\"classpath:nowhere/tokenizer.json\""));
        assertEquals("mer.extract.text.encoder.tokenizer: model resource not on the classpath: classpath:nowhere/tokenizer.json",
                e.getMessage());
        // a modality that is not extracted needs no model
        assertEquals(List.of("video", "audio"), load(null, "extract.modalities=[video,audio]",
                "extract.text.encoder.tokenizer=\"classpath:nowhere/tokenizer.json\"").extract().modalities());
    }

    @Test
    void malformedPinIsNamedAndWellFormedOnesAreKeptInLowerCase() {
        SettingsException e = assertThrows(SettingsException.class, () -> load(null, "extract.text.encoder.tokenizer-sha256=" + "g".repeat(64)));
        assertTrue(e.getMessage().startsWith("mer.extract.text.encoder.tokenizer-sha256: expected 64 hex digits"), e.getMessage());
        assertThrows(SettingsException.class, () -> load(null, "extract.text.encoder.model-sha256=" + "a".repeat(63)));
        Settings s = load(null, "extract.text.encoder.tokenizer-sha256=" + "AB".repeat(32));
        assertEquals("ab".repeat(32), s.extract().pins().get(s.extract().text().tokenizer()).sha256());
    }

    @Test
    void missingConfigFileIsNamed(@TempDir Path dir) {
        SettingsException e = assertThrows(SettingsException.class, () -> load(dir.resolve("none.conf")));
        assertTrue(e.getMessage().contains("none.conf"));
    }

    @Test
    void faceModeIsCheckedAndTheDetectorIsNeededOnlyWhenDetecting() {
        assertEquals("none", load(null).extract().video().face());
        SettingsException mode = assertThrows(SettingsException.class, () -> load(null, "extract.video.face=crop"));
        assertTrue(mode.getMessage().contains("mer.extract.video.face"), mode.getMessage());
        // a missing detector file is no problem without detection, and stops the job with it
        Settings none = load(null, "extract.video.face-model=/nowhere/detector.onnx");
        assertEquals("/nowhere/detector.onnx", none.extract().video().faceModel());
        SettingsException missing = assertThrows(SettingsException.class,
                () -> load(null, "extract.video.face=detect", "extract.video.face-model=/nowhere/detector.onnx"));
        assertTrue(missing.getMessage().startsWith("mer.extract.video.face-model: model file not found"),
                missing.getMessage());
        Settings detect = load(null, "extract.video.face=detect",
                "extract.video.face-model-sha256=" + "ab".repeat(32));
        assertEquals("mer.extract.video.face-model-sha256",
                detect.extract().pins().get(detect.extract().video().faceModel()).key());
    }
}
