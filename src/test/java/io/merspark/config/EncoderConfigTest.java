package io.merspark.config;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The encoder contracts of mer.extract.{video,audio,text}.encoder: kinds, their keys and defaults. */
class EncoderConfigTest {

    private static Settings load(String... overrides) {
        return io.merspark.testing.TestSettings.load(null, overrides);
    }

    private static String refused(String... overrides) {
        return assertThrows(SettingsException.class, () -> load(overrides)).getMessage();
    }

    @Test
    void bundledModelsAreTheDefaultKinds() {
        Settings.ExtractSettings e = load().extract();
        assertEquals(EncoderContract.Image.faceExpression(), e.video().encoder());
        assertEquals(112, e.video().size());
        assertEquals(EncoderContract.Waveform.speechEmbedding(), e.audio().encoder());
        assertTrue(e.audio().melModel().endsWith("melspectrogram.onnx"), e.audio().melModel());
        assertEquals(EncoderContract.Text.sentence(), e.text().encoder());
        assertEquals(128, e.text().maxLength());
    }

    @Test
    void openKindsDefaultToTheHuggingFaceExportNames() {
        String model = io.merspark.testing.SparkTestSession.projectDir()
                .resolve("models/face-expression/face_expression.onnx").toString();
        Settings.ExtractSettings e = load("extract.video.encoder={kind=image-tower, model=\"" + model + "\"}",
                "extract.audio.encoder={kind=waveform, model=\"" + model + "\"}",
                "extract.text.encoder={kind=causal-lm, model=\"" + model + "\", tokenizer=\"" + model + "\"}")
                .extract();
        assertEquals(new EncoderContract.Image("image-tower", "pixel_values", "image_embeds", "crop", "rgb", 1,
                Encoders.CLIP_MEAN, Encoders.CLIP_STD), e.video().encoder());
        assertEquals(224, e.video().size());
        assertEquals(new EncoderContract.Waveform("waveform", "input_values", "last_hidden_state", true, 10.0, 0),
                e.audio().encoder());
        assertNull(e.audio().melModel());
        assertEquals(new EncoderContract.Text("causal-lm", "input_ids", "attention_mask", "last_hidden_state",
                "last", "left", -1), e.text().encoder());
        assertEquals(512, e.text().maxLength());
    }

    @Test
    void aValueSetForAnotherKindIsKeptEvenWhenItEqualsTheBundledOne() {
        String model = io.merspark.testing.SparkTestSession.projectDir()
                .resolve("models/face-expression/face_expression.onnx").toString();
        assertEquals(112, load("extract.video.encoder={kind=image-tower, model=\"" + model + "\", size=112}")
                .extract().video().size());
    }

    @Test
    void unknownKindIsNamedBeforeAnyWork() {
        assertEquals("mer.extract.video.encoder.kind must be one of [face-expression, image-tower], got 'clip'",
                refused("extract.video.encoder.kind=clip"));
        assertEquals("mer.extract.audio.encoder.kind must be one of [speech-embedding, waveform], got 'hubert'",
                refused("extract.audio.encoder.kind=hubert"));
        assertEquals("mer.extract.text.encoder.kind must be one of [causal-lm, sentence], got 'llm'",
                refused("extract.text.encoder.kind=llm"));
    }

    @Test
    void theBundledModelDoesNotCarryOverToAnotherKind() {
        // the reference's face-expression file is not an image tower: model is missing
        assertEquals("mer.extract.video.encoder.model is missing (needed by kind image-tower)",
                assertThrows(SettingsException.class, () -> Settings.from(ConfigLoader.load(null,
                        List.of("extract.video.encoder={kind=image-tower}")))).getMessage());
        // nor does the sentence encoder's tokenizer
        String model = io.merspark.testing.SparkTestSession.projectDir()
                .resolve("models/face-expression/face_expression.onnx").toString();
        assertEquals("mer.extract.text.encoder.tokenizer is missing (needed by kind causal-lm)",
                refused("extract.text.encoder={kind=causal-lm, model=\"" + model + "\"}"));
    }

    @Test
    void keysOfAnotherKindAndBadValuesAreNamed() {
        assertEquals("unknown config key for kind speech-embedding: mer.extract.audio.encoder.layers",
                refused("extract.audio.encoder.layers=4"));
        assertEquals("unknown config key for kind face-expression: mer.extract.video.encoder.mean",
                refused("extract.video.encoder.mean=[0,0,0]"));
        assertEquals("mer.extract.video.encoder.size: the face-expression model takes 112 px, got 224",
                refused("extract.video.encoder.size=224"));
        String model = io.merspark.testing.SparkTestSession.projectDir()
                .resolve("models/face-expression/face_expression.onnx").toString();
        assertEquals("mer.extract.video.encoder.fit must be one of [crop, pad], got 'stretch'",
                refused("extract.video.encoder={kind=image-tower, model=\"" + model + "\", fit=stretch}"));
        assertEquals("mer.extract.video.encoder.std must list 3 finite values > 0, got [1.0, 0.0, 1.0]",
                refused("extract.video.encoder={kind=image-tower, model=\"" + model + "\", std=[1,0,1]}"));
        assertEquals("mer.extract.text.encoder.padding-side must be one of [left, right], got 'middle'",
                refused("extract.text.encoder={kind=causal-lm, model=\"" + model + "\", tokenizer=\"" + model
                        + "\", padding-side=middle}"));
        assertTrue(refused("extract.audio.encoder={kind=waveform, model=/nowhere/hubert.onnx}")
                .startsWith("mer.extract.audio.encoder.model: model file not found"));
    }

    @Test
    void encoderFilesArePinnedUnderTheirOwnKeys() {
        Settings s = load("extract.audio.encoder.mel-model-sha256=" + "ab".repeat(32));
        assertEquals(new ModelPin("mer.extract.audio.encoder.mel-model-sha256", "ab".repeat(32)),
                s.extract().pins().get(s.extract().audio().melModel()));
        assertEquals(List.of("mer.extract.audio.encoder.mel-model-sha256"),
                s.extract().pins().values().stream().map(ModelPin::key).toList());
    }
}
