package io.merspark.media;

import io.merspark.testing.SparkTestSession;
import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One open for both tracks gives exactly what the two single-track decoders give: the same picked frames (CHW and
 * full resolution) and the same 16 kHz samples, on the bundled composite clips and on a real audio-visual clip of
 * another container and codec; a clip it cannot take whole is refused with the track named.
 */
class ClipDecoderTest {

    private static final List<String> CLIPS = List.of("clips/mini_0035.mp4", "clips/mini_0092.mp4",
            "clips/mini_0009.mp4", "clips/mini_0420.mp4");

    private static Path realAv() {
        return SparkTestSession.projectDir().resolve("data/real-av/1001_DFA_HAP_XX.flv");
    }

    @Test
    void bothTracksInOnePassEqualTheSingleTrackDecoders() throws Exception {
        for (String name : CLIPS) {
            Path clip = SparkTestSession.dataDir().resolve(name);
            assertSameAsSeparate(clip, new ClipDecoder(1).decodeChw(clip, 8, 112), 8, 112);
        }
        Path real = realAv();
        assertSameAsSeparate(real, new ClipDecoder(2).decodeChw(real, 8, 112), 8, 112);
    }

    @Test
    void fullResolutionFramesEqualTheSamplersImages() throws Exception {
        Path real = realAv();
        ClipDecoder.Clip<RgbImage> clip = new ClipDecoder(1).decodeImages(real, 4);
        List<RgbImage> separate = new VideoFrameSampler(1).sampleImages(real, 4);
        assertEquals(4, clip.frames().size());
        for (int f = 0; f < 4; f++) {
            assertEquals(separate.get(f).width(), clip.frames().get(f).width());
            assertArrayEquals(separate.get(f).rgb(), clip.frames().get(f).rgb(), "frame " + f);
        }
        assertArrayEquals(new AudioDecoder(1).decodeMono16k(real), clip.audio(), 0f);
    }

    @Test
    void framesAloneStopAfterTheLastPickAndCarryNoAudio() throws Exception {
        Path clip = SparkTestSession.dataDir().resolve(CLIPS.get(0));
        ClipDecoder.Clip<float[]> frames = new ClipDecoder(1).chw(clip, 8, 112, false);
        assertNull(frames.audio());
        assertEquals(8, frames.frames().size());
    }

    @Test
    void aClipWithoutOneOfItsTracksIsRefusedNamingIt() throws Exception {
        MediaException noAudio = assertThrows(MediaException.class,
                () -> new ClipDecoder(1).decodeChw(media("video_only.mp4"), 8, 112));
        assertTrue(noAudio.getMessage().startsWith("no audio track"), noAudio.getMessage());
        MediaException truncated = assertThrows(MediaException.class, () -> new ClipDecoder(1)
                .decodeChw(SparkTestSession.dataDir().resolve("bad/bad_truncated.mp4"), 8, 112));
        assertTrue(truncated.getMessage().contains("bad_truncated.mp4"), truncated.getMessage());
        assertThrows(MediaUnavailableException.class,
                () -> new ClipDecoder(1).decodeChw(Paths.get("/nonexistent/clip.mp4"), 8, 112));
    }

    private static void assertSameAsSeparate(Path clip, ClipDecoder.Clip<float[]> once, int frames, int size)
            throws MediaException {
        List<float[]> separate = new VideoFrameSampler(1).sample(clip, frames, size);
        assertEquals(separate.size(), once.frames().size(), clip.toString());
        for (int f = 0; f < separate.size(); f++) {
            assertArrayEquals(separate.get(f), once.frames().get(f), 0f, clip + " frame " + f);
        }
        float[] audio = new AudioDecoder(1).decodeMono16k(clip);
        assertTrue(audio.length > AudioDecoder.SAMPLE_RATE / 2, clip + ": " + audio.length + " samples");
        assertArrayEquals(audio, once.audio(), 0f, clip + " audio");
    }

    private static Path media(String name) throws URISyntaxException {
        return Paths.get(ClipDecoderTest.class.getResource("/media/" + name).toURI());
    }
}
