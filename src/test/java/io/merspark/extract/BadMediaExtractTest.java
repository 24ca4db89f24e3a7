package io.merspark.extract;

import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every kind of bad input through the extract job, each with its reason, and nothing lost. Media fixtures were made
 * once by src/test/resources/media/make_media.sh (Debian ffmpeg).
 */
@Tag("slow")
@ExtendWith(SparkTestSession.class)
class BadMediaExtractTest {

    private static final ExtractSpec SPEC = ExtractSpec.defaults(SparkTestSession.projectDir().resolve("models"))
            .withRowsPerPartition(4);

    private static String media(String name) {
        try {
            return Paths.get(BadMediaExtractTest.class.getResource("/media/" + name).toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void eachBadInputHasItsReason(SparkSession spark, @TempDir Path out) {
        String clip = SparkTestSession.dataDir().resolve("clips/mini_0035.mp4").toString();
        String corrupt = SparkTestSession.dataDir().resolve("bad/bad_truncated.mp4").toString();
        String longText = "so ".repeat(400) + "long";
        List<Row> rows = List.of(
                RowFactory.create("no_audio_track", "train", "happy", media("video_only.mp4"), null, "Fine."),
                RowFactory.create("silent_track", "train", "happy", media("silent_audio.mp4"), null, "Quiet."),
                RowFactory.create("silent_wav", "train", "happy", clip, media("silence.wav"), "Shh."),
                RowFactory.create("zero_samples", "train", "happy", clip, media("zero_samples.wav"), "Nothing."),
                RowFactory.create("zero_bytes", "train", "happy", media("zero_bytes.mp4"), null, "Zero."),
                RowFactory.create("corrupt", "train", "happy", corrupt, null, "Broken."),
                RowFactory.create("missing", "train", "happy", "/nonexistent/clip.mp4", null, "Gone."),
                RowFactory.create("no_transcript", "train", "happy", clip, null, null),
                RowFactory.create("blank_transcript", "train", "happy", clip, null, "   "),
                RowFactory.create("long_transcript", "train", "happy", clip, null, longText));
        Dataset<Row> manifest = spark.createDataFrame(rows, Manifests.SCHEMA);

        ExtractSummary summary = new FeatureExtractor().run(spark, manifest, SPEC, out.resolve("f").toString(),
                out.resolve("e").toString());

        assertTrue(summary.balanced(), summary.toString());
        assertEquals(1, summary.truncatedTexts(), "the long transcript is cut at 128 tokens, and counted");
        Map<String, String> reasons = new HashMap<>();
        for (Row r : spark.read().parquet(out.resolve("e").toString()).collectAsList()) {
            reasons.put(r.<String>getAs("sample_id") + "/" + r.getAs("modality"), r.getAs("reason"));
        }
        Map<String, String> expected = Map.ofEntries(
                Map.entry("no_audio_track/audio", "no audio track: video_only.mp4"),
                Map.entry("zero_samples/audio", "truncated or empty audio, no audio samples decoded: zero_samples.wav"),
                Map.entry("zero_bytes/video", "empty file: "),
                Map.entry("zero_bytes/audio", "empty file: "),
                Map.entry("corrupt/video", "truncated or corrupt video"),
                Map.entry("corrupt/audio", "truncated or empty audio"),
                Map.entry("missing/video", "file not found: /nonexistent/clip.mp4"),
                Map.entry("missing/audio", "file not found: /nonexistent/clip.mp4"),
                Map.entry("no_transcript/text", "no transcript"),
                Map.entry("blank_transcript/text", "blank transcript"));
        assertEquals(expected.keySet(), reasons.keySet());
        expected.forEach((k, reason) -> assertTrue(reasons.get(k).startsWith(reason), k + ": " + reasons.get(k)));
        // only the files that could not be read at all are transient (retried by extract --only-new)
        Set<String> transientErrors = spark.read().parquet(out.resolve("e").toString()).where("transient")
                .collectAsList().stream().map(r -> r.<String>getAs("sample_id") + "/" + r.getAs("modality"))
                .collect(Collectors.toSet());
        assertEquals(Set.of("zero_bytes/video", "zero_bytes/audio", "missing/video", "missing/audio"), transientErrors);

        Dataset<Row> features = spark.read().parquet(out.resolve("f").toString());
        Map<String, Set<String>> ok = features.select("modality", "sample_id").collectAsList().stream()
                .collect(Collectors.groupingBy(r -> r.getString(0),
                        Collectors.mapping(r -> r.getString(1), Collectors.toSet())));
        // a video without audio still gives video features; silent audio (track or file) is valid audio
        assertTrue(ok.get("video").containsAll(Set.of("no_audio_track", "silent_track", "silent_wav")), ok.toString());
        assertTrue(ok.get("audio").containsAll(Set.of("silent_track", "silent_wav")), ok.toString());
        assertTrue(ok.get("text").contains("long_transcript"));
        Row cut = features.filter("sample_id = 'long_transcript' and modality = 'text'").first();
        assertTrue(cut.getList(cut.fieldIndex("tokens")).size() <= SPEC.textMaxTokens());
    }
}
