package io.merspark.extract;

import io.merspark.media.AudioDecoder;
import io.merspark.testing.SparkTestSession;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One pass over the whole mel sequence gives the same window embeddings as the 76-frame windows at hop 8. */
class WholeClipSpeechTest {

    private static final Path MODELS = SparkTestSession.projectDir().resolve("models/speech-embedding");
    /** Every STRIDE-th clip of the bundled corpus (all 704 with -Dmer.test.wholeClipStride=1). */
    private static final int STRIDE = Integer.getInteger("mer.test.wholeClipStride", 16);

    /** 16 kHz mono PCM of every {@code stride}-th bundled clip, in file-name order. */
    static List<float[]> bundledAudio(int stride) throws Exception {
        List<float[]> clips = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(SparkTestSession.dataDir().resolve("clips"))) {
            files = s.filter(p -> p.toString().endsWith(".mp4")).sorted().toList();
        }
        for (int i = 0; i < files.size(); i += stride) {
            clips.add(new AudioDecoder().decodeMono16k(files.get(i)));
        }
        return clips;
    }

    @Test
    void wholeClipPassEqualsWindowsOnTheBundledCorpus() throws Exception {
        List<float[]> clips = bundledAudio(STRIDE);
        float[] first = clips.get(0);
        clips.add(Arrays.copyOf(first, 4000));          // shorter than one window: padded to one
        clips.add(Arrays.copyOf(first, SpeechEmbeddingEncoder.MIN_SAMPLES + 160 * 8 * 3 + 100)); // 4 windows + a rest

        try (SpeechEmbeddingEncoder windows = new SpeechEmbeddingEncoder(MODELS.resolve("melspectrogram.onnx"),
                MODELS.resolve("embedding_model.onnx"));
             SpeechEmbeddingEncoder whole = new SpeechEmbeddingEncoder(MODELS.resolve("melspectrogram.onnx"),
                     MODELS.resolve("embedding_model_full.onnx"))) {
            assertFalse(windows.wholeClip(), "the original model is fixed at 76 frames");
            assertTrue(whole.wholeClip(), "the edited model takes any number of frames");
            List<Embedding> a = windows.encode(clips);
            List<Embedding> b = whole.encode(clips);
            double worst = 0;
            int compared = 0;
            for (int c = 0; c < clips.size(); c++) {
                assertEquals(a.get(c).tokens().length, b.get(c).tokens().length, "windows of clip " + c);
                for (int w = 0; w < a.get(c).tokens().length; w++) {
                    for (int d = 0; d < SpeechEmbeddingEncoder.WIDTH; d++) {
                        worst = Math.max(worst, Math.abs(a.get(c).tokens()[w][d] - b.get(c).tokens()[w][d]));
                        compared++;
                    }
                }
                for (int d = 0; d < SpeechEmbeddingEncoder.WIDTH; d++) {
                    worst = Math.max(worst, Math.abs(a.get(c).pooled()[d] - b.get(c).pooled()[d]));
                }
            }
            System.out.printf("whole clip vs windows: %d clips, %d values, max |diff| %.3g%n", clips.size(),
                    compared, worst);
            assertEquals(4, a.get(clips.size() - 1).tokens().length);
            assertEquals(1, b.get(clips.size() - 2).tokens().length);
            assertTrue(worst <= 1e-5, "max |whole clip - windows| = " + worst);
        }
    }
}
