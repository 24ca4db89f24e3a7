package io.merspark.extract;

import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A task extracting video and audio opens each clip once for both tracks, and its features are the features of
 * extracting each modality alone; a clip whose audio track is missing falls back to one pass per track and keeps
 * its video features, with the audio reason of the single-track decoder.
 */
@ExtendWith(SparkTestSession.class)
class OnePassExtractTest {

    private static final ExtractSpec SPEC = ExtractSpec.defaults(SparkTestSession.projectDir().resolve("models"))
            .withModalities(EnumSet.of(Modality.VIDEO, Modality.AUDIO));
    private static final int REASON = Outcome.SCHEMA.fieldIndex("reason");
    private static final int POOLED = Outcome.SCHEMA.fieldIndex("pooled");

    @Test
    void bothTracksFromOneOpenGiveTheFeaturesOfEachModalityAlone() throws Exception {
        String videoOnly = java.nio.file.Paths.get(OnePassExtractTest.class.getResource("/media/video_only.mp4")
                .toURI()).toString();
        List<PartitionExtractor.Input> chunk = List.of(
                input("mini_0035"), input("mini_0092"), input("mini_0420"),
                new PartitionExtractor.Input("no_audio", videoOnly, null, null, "train"));

        PartitionExtractor both = new PartitionExtractor(SPEC, null, null);
        Map<String, Row> once = byKey(both.extract(chunk));
        assertEquals(3, both.decodedInOnePass(), "the clip without audio is the one left to the per-track path");

        Map<String, Row> alone = new HashMap<>();
        alone.putAll(byKey(new PartitionExtractor(SPEC.withModalities(EnumSet.of(Modality.VIDEO)), null, null)
                .extract(chunk)));
        alone.putAll(byKey(new PartitionExtractor(SPEC.withModalities(EnumSet.of(Modality.AUDIO)), null, null)
                .extract(chunk)));
        assertEquals(alone.keySet(), once.keySet());
        for (String key : alone.keySet()) {
            Row a = alone.get(key);
            Row b = once.get(key);
            assertEquals(a.get(REASON), b.get(REASON), key);
            if (a.get(REASON) == null) {
                assertArrayEquals((float[]) a.get(POOLED), (float[]) b.get(POOLED), 0f, key);
            }
        }
        assertNull(once.get("no_audio/video").get(REASON));
        assertEquals("no audio track: video_only.mp4", once.get("no_audio/audio").get(REASON));
    }

    private static PartitionExtractor.Input input(String id) {
        return new PartitionExtractor.Input(id, SparkTestSession.dataDir().resolve("clips/" + id + ".mp4").toString(),
                null, null, "train");
    }

    private static Map<String, Row> byKey(List<Row> rows) {
        Map<String, Row> out = new HashMap<>();
        rows.forEach(r -> out.put(r.get(Outcome.SCHEMA.fieldIndex("sample_id")) + "/"
                + r.get(Outcome.SCHEMA.fieldIndex("modality")), r));
        return out;
    }
}
