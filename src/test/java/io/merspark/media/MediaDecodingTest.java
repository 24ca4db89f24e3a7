package io.merspark.media;

import io.merspark.testing.SparkTestSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MediaDecodingTest {

    private static final Path CLIP = SparkTestSession.dataDir().resolve("clips/mini_0035.mp4");
    private static final Path BAD = SparkTestSession.dataDir().resolve("bad");

    @Test
    void samplesEightRgbFramesOfRawPixelValues() throws MediaException {
        List<float[]> frames = new VideoFrameSampler().sample(CLIP, 8, 112);

        assertEquals(8, frames.size());
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float[] f : frames) {
            assertEquals(3 * 112 * 112, f.length);
            for (float v : f) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        assertTrue(min >= 0f && max <= 255f, "raw 0..255 range, got " + min + ".." + max);
        assertTrue(max - min > 100f, "a real face has contrast, got " + min + ".." + max);
        // the clip zooms/pans, so uniformly spread frames differ
        assertNotEquals(frames.get(0)[20000], frames.get(7)[20000]);
    }

    @Test
    void shortClipGivesAllItsFramesAndResizesToRequestedSize() throws MediaException {
        List<float[]> frames = new VideoFrameSampler().sample(CLIP, 500, 56);
        assertTrue(frames.size() >= 24 && frames.size() <= 43, "clips have 24..43 frames, got " + frames.size());
        assertEquals(3 * 56 * 56, frames.get(0).length);
    }

    @Test
    void decodesAudioTrackTo16kMono() throws MediaException {
        float[] pcm = new AudioDecoder().decodeMono16k(CLIP);

        double seconds = pcm.length / 16000.0;
        assertTrue(seconds > 2.9 && seconds < 5.4, "clip durations are 2.94..5.27 s, got " + seconds);
        float peak = 0f;
        for (float v : pcm) {
            assertTrue(v >= -1f && v <= 1f);
            peak = Math.max(peak, Math.abs(v));
        }
        assertTrue(peak > 0.01f, "speech is audible, peak " + peak);
    }

    @Test
    void brokenFilesGiveSpecificReasons() {
        assertReasons("bad_missing.mp4", "file not found: ", "file not found: ");
        assertReasons("bad_textfile.mp4", "not a media file: ", "not a media file: ");
        assertReasons("bad_truncated.mp4", "truncated or corrupt video", "truncated or empty audio");
    }

    @Test
    void aClipCutAfterItsHeaderIsTruncatedNotShort(@TempDir Path dir) throws Exception {
        // the header declares 29 frames and 3.57 s; the data stops after about a fifth of them
        Path cut = dir.resolve("cut.mp4");
        byte[] whole = Files.readAllBytes(SparkTestSession.dataDir().resolve("clips/mini_0009.mp4"));
        Files.write(cut, Arrays.copyOf(whole, whole.length / 3));
        assertReasons(cut, "truncated or corrupt video, decoding ended after 6 of 29 declared frames",
                "truncated or corrupt audio, decoding ended after 0.38 of 3.57 declared seconds");
    }

    private static void assertReasons(String file, String videoReason, String audioReason) {
        assertReasons(BAD.resolve(file), videoReason, audioReason);
    }

    private static void assertReasons(Path bad, String videoReason, String audioReason) {
        String file = bad.getFileName().toString();
        String v = assertThrows(MediaException.class, () -> new VideoFrameSampler().sample(bad, 8, 112)).getMessage();
        String a = assertThrows(MediaException.class, () -> new AudioDecoder().decodeMono16k(bad)).getMessage();
        assertTrue(v.startsWith(videoReason) && v.endsWith(file), v);
        assertTrue(a.startsWith(audioReason) && a.endsWith(file), a);
    }
}
