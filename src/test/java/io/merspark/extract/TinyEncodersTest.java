package io.merspark.extract;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.merspark.config.EncoderContract;
import io.merspark.testing.SparkTestSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The image-tower, waveform and causal-lm contracts reproduce PyTorch's outputs (golden.json, written by
 * scripts/make_tiny_encoders.py) on the tiny architecture models, through ONNX Runtime (.onnx) and DJL's PyTorch
 * engine (.pt, TorchScript).
 */
class TinyEncodersTest {

    static final Path DIR = SparkTestSession.projectDir().resolve("src/test/resources/tiny-encoders");
    private static final float TOLERANCE = 1e-4f;
    private static JsonNode golden;

    @BeforeAll
    static void readGolden() throws IOException {
        golden = new ObjectMapper().readTree(DIR.resolve("golden.json").toFile());
    }

    static EncoderContract.Image clip() {
        return new EncoderContract.Image("image-tower", "pixel_values", "image_embeds", "crop", "rgb", 1,
                List.of(0.48145466, 0.4578275, 0.40821073), List.of(0.26862954, 0.26130258, 0.27577711));
    }

    static EncoderContract.Waveform hubert(double chunkSeconds, int layers) {
        return new EncoderContract.Waveform("waveform", "input_values", "last_hidden_state", true, chunkSeconds,
                layers);
    }

    static EncoderContract.Text lm(String pooling, String side, int layer) {
        return new EncoderContract.Text("causal-lm", "input_ids", "attention_mask", "last_hidden_state", pooling,
                side, layer);
    }

    @ParameterizedTest
    @ValueSource(strings = {"onnx", "pt"})
    void imageTowerGivesTheTowersEmbeddings(String format) throws Exception {
        JsonNode g = golden.get("vit");
        float[] raw = floats(g.get("raw_frames"));
        int frame = 3 * 32 * 32;
        List<float[]> frames = List.of(java.util.Arrays.copyOfRange(raw, 0, frame),
                java.util.Arrays.copyOfRange(raw, frame, 2 * frame));
        float[] expected = floats(g.get("image_embeds"));
        try (ImageTowerEncoder tower = new ImageTowerEncoder(DIR.resolve("vit." + format), 32, clip(), Device.cpu(), 1);
             VideoEncoder.Session s = tower.newSession(8)) {
            // two one-frame clips, and one clip of both frames (pooled = mean), in one call and one frame per call
            List<Embedding> single = s.encode(List.of(List.of(frames.get(0)), List.of(frames.get(1)), frames));
            assertEquals(16, single.get(0).pooled().length);
            assertArrayEquals(java.util.Arrays.copyOfRange(expected, 0, 16), single.get(0).pooled(), TOLERANCE);
            assertArrayEquals(java.util.Arrays.copyOfRange(expected, 16, 32), single.get(1).pooled(), TOLERANCE);
            assertEquals(2, single.get(2).tokens().length);
            assertArrayEquals(java.util.Arrays.copyOfRange(expected, 16, 32), single.get(2).tokens()[1], TOLERANCE);
            try (VideoEncoder.Session one = tower.newSession(1)) {
                assertArrayEquals(single.get(2).pooled(), one.encode(List.of(frames)).get(0).pooled(), TOLERANCE);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"onnx", "pt"})
    void waveformEncoderGivesOneFramePer320Samples(String format) throws Exception {
        JsonNode g = golden.get("hubert");
        float[] wave = floats(g.get("wave"));
        assertEquals(64, WaveformEncoder.frames(wave.length)); // floor((20800 - 400) / 320) + 1
        Path model = DIR.resolve("hubert." + format);
        assertFrames(model, hubert(10, 0), wave, g.get("frames").asInt(), floats(g.get("last_hidden_state")));
        assertFrames(model, hubert(10, 2), wave, g.get("frames").asInt(), floats(g.get("sum_last_2")));
        // 0.5 s chunks: 8000 + 8000 + 4800 samples, 24 + 24 + 14 frames
        assertFrames(model, hubert(0.5, 0), wave, 62, floats(g.get("chunked_last_hidden_state")));
        assertEquals(62, g.get("chunked_frames").asInt());
    }

    private static void assertFrames(Path model, EncoderContract.Waveform contract, float[] wave, int frames,
                                     float[] expected) throws Exception {
        try (WaveformEncoder encoder = new WaveformEncoder(model, contract, Device.cpu(), 1);
             AudioEncoder.Session s = encoder.newSession()) {
            Embedding e = s.encode(List.of(wave)).get(0);
            assertEquals(frames, e.tokens().length);
            float[] mean = new float[32];
            for (int t = 0; t < frames; t++) {
                assertArrayEquals(java.util.Arrays.copyOfRange(expected, t * 32, (t + 1) * 32), e.tokens()[t],
                        TOLERANCE, "frame " + t);
                for (int i = 0; i < 32; i++) {
                    mean[i] += expected[t * 32 + i] / frames;
                }
            }
            assertArrayEquals(mean, e.pooled(), TOLERANCE);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"onnx", "pt"})
    void causalLmPoolsTheLastRealTokenOnEitherPaddingSide(String format) throws Exception {
        JsonNode g = golden.get("lm");
        List<String> texts = new ArrayList<>();
        g.get("texts").forEach(t -> texts.add(t.asText()));
        Path model = DIR.resolve("lm." + format);
        Path tokenizer = DIR.resolve("lm-tokenizer.json");
        for (String side : List.of("left", "right")) {
            JsonNode expected = g.get(side);
            try (CausalLmEncoder encoder = new CausalLmEncoder(model, tokenizer, 64, lm("last", side, -1),
                    Device.cpu(), 1);
                 TextEncoder.Session s = encoder.newSession()) {
                for (int t = 0; t < texts.size(); t++) {
                    assertArrayEquals(longs(g.get("ids").get(t)), encoder.ids(texts.get(t)), "token ids of " + t);
                }
                List<Embedding> out = s.encode(texts, new LongAdder());
                for (int t = 0; t < texts.size(); t++) {
                    int count = g.get("ids").get(t).size();
                    assertEquals(count, out.get(t).tokens().length, "tokens follow the tokenizer");
                    assertArrayEquals(floats(expected.get("last").get(t)), out.get(t).pooled(), TOLERANCE);
                    float[] tokens = floats(expected.get("tokens").get(t));
                    for (int k = 0; k < count; k++) {
                        assertArrayEquals(java.util.Arrays.copyOfRange(tokens, k * 32, (k + 1) * 32),
                                out.get(t).tokens()[k], TOLERANCE, side + " text " + t + " token " + k);
                    }
                }
            }
            try (CausalLmEncoder encoder = new CausalLmEncoder(model, tokenizer, 64, lm("mean", side, 1),
                    Device.cpu(), 1);
                 TextEncoder.Session s = encoder.newSession()) {
                List<Embedding> out = s.encode(texts, new LongAdder());
                for (int t = 0; t < texts.size(); t++) {
                    assertArrayEquals(floats(expected.get("mean_layer_1").get(t)), out.get(t).pooled(), TOLERANCE);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"onnx"})
    void maxLengthTruncatesAndCounts(String format) throws Exception {
        try (CausalLmEncoder encoder = new CausalLmEncoder(DIR.resolve("lm." + format), DIR.resolve("lm-tokenizer.json"),
                4, lm("last", "left", -1), Device.cpu(), 1);
             TextEncoder.Session s = encoder.newSession()) {
            LongAdder truncated = new LongAdder();
            List<Embedding> out = s.encode(List.of("hello world", "the cat sat on the mat, said the dog"), truncated);
            assertEquals(4, out.get(0).tokens().length);
            assertEquals(4, out.get(1).tokens().length);
            assertEquals(2, truncated.sum());
        }
    }

    @org.junit.jupiter.api.Test
    void sentenceKindPoolsTheClsTokenWhenAsked() throws Exception {
        EncoderContract.Text cls = new EncoderContract.Text("sentence", "input_ids", "attention_mask",
                "last_hidden_state", "cls", "right", -1);
        Path onnx = ModelFiles.resolve(SentenceEncoder.DEFAULT_MODEL);
        Path tokenizer = ModelFiles.resolve(SentenceEncoder.DEFAULT_TOKENIZER);
        try (SentenceEncoder mean = new SentenceEncoder(onnx, tokenizer, 128, Device.cpu(), 1);
             SentenceEncoder first = new SentenceEncoder(onnx, tokenizer, 128, cls, Device.cpu(), 1)) {
            Embedding m = mean.encode(List.of("Tickets please!")).get(0);
            Embedding c = first.encode(List.of("Tickets please!")).get(0);
            assertEquals(m.tokens().length, c.tokens().length);
            for (int t = 0; t < m.tokens().length; t++) {
                assertArrayEquals(m.tokens()[t], c.tokens()[t], 0f);
            }
            assertArrayEquals(c.tokens()[0], c.pooled(), 0f);
            assertArrayEquals(Embedding.meanOf(m.tokens()).pooled(), m.pooled(), 0f);
        }
    }

    static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) array.get(i).asDouble();
        }
        return out;
    }

    private static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }
}
