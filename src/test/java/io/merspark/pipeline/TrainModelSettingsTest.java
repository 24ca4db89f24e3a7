package io.merspark.pipeline;

import io.merspark.config.Settings;
import io.merspark.config.SettingsException;
import io.merspark.train.TrainSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** mer.train.model and the AGT keys: parsed, validated with the key in the message, mapped onto a TrainSpec. */
class TrainModelSettingsTest {

    private static Settings load(String... overrides) {
        return io.merspark.testing.TestSettings.load(null, overrides);
    }

    @Test
    void defaultsAreTheAudioGuidedTransformerWithModalityDropout() {
        Settings s = load();
        assertEquals("agt", s.train().model());
        assertEquals(0.1, s.train().modalityDropout(), 1e-12);
        assertEquals("plain", s.train().loss());
        TrainSpec spec = TrainingSet.spec(s, List.of("video", "audio", "text"), new int[] {256, 96, 384}, 7);
        assertEquals(TrainSpec.AGT, spec.model());
        assertEquals(0.1, spec.modalityDropout(), 1e-12);
        assertFalse(spec.classWeighted());
    }

    @Test
    void agtFromTheCommandLineMapsItsSizesOntoTheSpec() {
        Settings s = load("mer.train.model=agt", "train.agt.width=32", "train.agt.heads=8", "train.agt.layers=2",
                "train.agt.max-tokens.audio=20", "train.loss=class-weighted", "train.repeats=3",
                "train.label-smoothing=0.1", "train.input-noise=0.2");
        List<String> modalities = s.train().modalities(s.extract().modalities());
        TrainSpec spec = TrainingSet.spec(s, modalities, new int[] {256, 96, 384}, 7);
        assertEquals(TrainSpec.AGT, spec.model());
        assertEquals(32, spec.hidden());
        assertEquals(8, spec.heads());
        assertEquals(2, spec.layers());
        assertEquals(0.1, spec.dropout(), 1e-12);
        assertArrayEquals(new int[] {8, 20, 32}, spec.maxTokens());
        assertTrue(spec.classWeighted());
        assertEquals(3, spec.repeats());
        assertEquals(0.1, spec.labelSmoothing(), 1e-12);
        assertEquals(0.2, spec.inputNoise(), 1e-12);
        assertEquals(0.0, TrainingSet.spec(load(), modalities, new int[] {256, 96, 384}, 7).inputNoise());
    }

    @Test
    void singleModalityModelsReadOneModality() {
        Settings s = load("train.model=text");
        assertEquals(List.of("text"), s.train().modalities(s.extract().modalities()));
        assertEquals(TrainSpec.ATTENTION, TrainingSet.spec(s, List.of("text"), new int[] {384}, 1).model());
    }

    @Test
    void badValuesNameTheirKey() {
        assertTrue(assertThrows(SettingsException.class, () -> load("train.model=lstm")).getMessage()
                .contains("mer.train.model"));
        assertTrue(assertThrows(SettingsException.class, () -> load("train.model=audio",
                "extract.modalities=[video, text]")).getMessage().contains("mer.train.model"));
        assertTrue(assertThrows(SettingsException.class, () -> load("train.model=agt",
                "extract.modalities=[video, text]")).getMessage().contains("audio"));
        assertTrue(assertThrows(SettingsException.class, () -> load("train.agt.heads=3")).getMessage()
                .contains("mer.train.agt.heads"));
        assertTrue(assertThrows(SettingsException.class, () -> load("train.modality-dropout=1")).getMessage()
                .contains("mer.train.modality-dropout"));
        assertTrue(assertThrows(SettingsException.class, () -> load("train.loss=focal")).getMessage()
                .contains("mer.train.loss"));
        assertTrue(assertThrows(SettingsException.class, () -> load("train.fold-placement=gpus")).getMessage()
                .contains("mer.train.fold-placement"));
        assertTrue(assertThrows(SettingsException.class, () -> load("train.repeats=0")).getMessage()
                .contains("mer.train.repeats"));
        assertTrue(assertThrows(SettingsException.class, () -> load("train.label-smoothing=1.0")).getMessage()
                .contains("mer.train.label-smoothing"));
        assertTrue(assertThrows(SettingsException.class, () -> load("train.input-noise=-0.1")).getMessage()
                .contains("mer.train.input-noise"));
        assertTrue(assertThrows(SettingsException.class, () -> load("train.group-norm=speaker")).getMessage()
                .contains("mer.train.group-norm"));
        assertTrue(assertThrows(SettingsException.class, () -> load("train.group-norm-min-clips=0")).getMessage()
                .contains("mer.train.group-norm-min-clips"));
    }

    @Test
    void featuresAreStandardisedPerGroupByDefault() {
        assertTrue(load().train().byGroup());
        assertEquals(10, load().train().groupNormMinClips());
        assertFalse(load("train.group-norm=none").train().byGroup());
    }

    @Test
    void foldsGoToTheExecutorsWhenTheyAreJvmsOfTheirOwnOrWhenAsked() {
        assertTrue(load().train().foldsOnExecutors(false), "the default, auto: executors of their own");
        assertFalse(load().train().foldsOnExecutors(true), "the default, auto: not with a local[...] master");
        assertTrue(load("train.fold-placement=auto").train().foldsOnExecutors(false), "auto, executors of their own");
        assertFalse(load("train.fold-placement=auto").train().foldsOnExecutors(true), "auto, a local[...] master");
        assertFalse(load("train.fold-placement=driver").train().foldsOnExecutors(false));
        assertTrue(load("train.fold-placement=executors").train().foldsOnExecutors(true));
    }
}
