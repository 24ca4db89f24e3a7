package io.merspark.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.merspark.extract.CausalLmEncoder;
import io.merspark.extract.WaveformEncoder;
import io.merspark.media.AudioDecoder;
import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The three tiny architecture models (src/test/resources/tiny-encoders), configured only through the encoder
 * contracts, run extract → round on tiny/ through ONNX Runtime and through PyTorch (TorchScript): widths and token
 * counts are the models' own.
 */
@Tag("slow")
@ExtendWith(SparkTestSession.class)
class TinyEncodersRoundTest {

    private static final Path DIR = SparkTestSession.projectDir().resolve("src/test/resources/tiny-encoders");

    @ParameterizedTest
    @CsvSource({
            "onnx, 639bafb127de28e0cce63760445f113894521737622afb5f3b48e171a98ea125, "
                    + "f020018281e99fe1d4b79e888501c02bcb34d9ed387271831407f26a1e3a7b0b, "
                    + "9d79240dd2280a8d0b8e396b3c52f8640ae7f7242c4df29a5b890dc8479f6705",
            "pt, e2ec95af1df88bed93a1bf453d62efa67b3ad886dd4cebf5b99622bb0e747aed, "
                    + "d400c6928651ab8b60b088e0a0b5a34f1a3cbaad13e7fd664cbb55a2dcfd3e75, "
                    + "a7e9d061f18a07c4e9dec26b40c5cd4e288ccb5b9fa51d3ad41f78ac8f601edb"})
    void extractAndRoundThroughTheContracts(String format, String vitSha, String hubertSha, String lmSha,
                                            SparkSession spark, @TempDir Path root) throws Exception {
        String tokenizer = DIR.resolve("lm-tokenizer.json").toString();
        JobContext ctx = JobContext.of(spark, RoundPipelineTest.settings(root,
                "extract.video.encoder={kind=image-tower, model=\"" + DIR.resolve("vit." + format)
                        + "\", model-sha256=" + vitSha + ", size=32}",
                "extract.audio.encoder={kind=waveform, model=\"" + DIR.resolve("hubert." + format)
                        + "\", model-sha256=" + hubertSha + ", layers=2, chunk-seconds=2}",
                "extract.text.encoder={kind=causal-lm, model=\"" + DIR.resolve("lm." + format)
                        + "\", model-sha256=" + lmSha + ", tokenizer=\"" + tokenizer + "\", tokenizer-sha256="
                        + "2af68d1aba1c51a05f7964bb203422b8d66acab4670bd5b655b013ff50704d31, max-length=64}",
                "extract.audio.max-tokens=100000", "extract.text.max-tokens=64",
                "train.model=attention", "train.max-epochs=4", "select.collapse-guard=false"));
        assertEquals(4, ctx.settings().extract().pins().size()); // the three tiny models and the tokenizer
        ExtractStage.preflight(ctx.settings());
        IngestStage.run(ctx, ctx.settings().manifest());
        ExtractStage.run(ctx);

        List<Row> features = spark.read().parquet(ctx.layout().features()).collectAsList();
        assertEquals(36 * 3, features.size());
        assertEquals(0, spark.read().parquet(ctx.layout().errors("extract")).count());
        Map<String, Integer> widths = Map.of("video", 16, "audio", 32, "text", 32);
        for (Row r : features) {
            String modality = r.getAs("modality");
            List<Float> pooled = r.getList(r.fieldIndex("pooled"));
            assertEquals(widths.get(modality), pooled.size(), modality);
            assertTrue(((String) r.getAs("encoder")).startsWith(switch (modality) {
                case "video" -> "image-tower:vit." + format + "@";
                case "audio" -> "waveform:hubert." + format + "@";
                default -> "causal-lm:lm." + format + "@";
            }), (String) r.getAs("encoder"));
            if (modality.equals("video")) {
                assertEquals(8, r.getList(r.fieldIndex("tokens")).size());
            }
        }

        // token counts follow the models: HuBERT frames of the decoded audio, 2 s chunks; the tokenizer's ids
        Row manifestRow = spark.read().parquet(ctx.layout().manifest()).filter(col("sample_id").equalTo("mini_0035"))
                .first();
        float[] pcm = new AudioDecoder(1).decodeMono16k(Path.of((String) manifestRow.getAs("video")));
        int chunk = 2 * WaveformEncoder.SAMPLE_RATE;
        int frames = 0;
        for (int from = 0; from < pcm.length; from += chunk) {
            frames += WaveformEncoder.frames(Math.min(chunk, pcm.length - from));
        }
        assertEquals(frames, tokens(features, "mini_0035", "audio"));
        try (CausalLmEncoder lm = new CausalLmEncoder(DIR.resolve("lm." + format), Path.of(tokenizer), 64,
                ctx.settings().extract().text().encoder(), ai.djl.Device.cpu(), 1)) {
            assertEquals(lm.ids(manifestRow.getAs("text")).length, tokens(features, "mini_0035", "text"));
        }

        Map<String, Object> m = new RoundRunner(ctx).run(1, false);
        JsonNode metrics = new ObjectMapper().readTree(Files.readString(Path.of(ctx.layout().metrics(1))));
        assertEquals(18, metrics.get("n_train").asLong());
        assertEquals(6, metrics.get("n_test").asLong());
        assertEquals(m.get("waf"), metrics.get("waf").asDouble());
        assertEquals(12, spark.read().parquet(ctx.layout().scores(1)).count());
    }

    private static int tokens(List<Row> features, String sampleId, String modality) {
        return features.stream()
                .filter(r -> sampleId.equals(r.getAs("sample_id")) && modality.equals(r.getAs("modality")))
                .findFirst().map(r -> r.getList(r.fieldIndex("tokens")).size()).orElseThrow();
    }
}
