package io.merspark.extract;

import io.merspark.testing.SparkTestSession;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The speech model's per-call cap in windows changes how a clip reaches the model, never its window outputs. */
class SpeechCallCapTest {

    private static final Path MODELS = SparkTestSession.projectDir().resolve("models/speech-embedding");

    /** Mel frames whose first value is the frame's index, so a piece shows which frames it holds. */
    private static float[][] mel(int frames) {
        float[][] mel = new float[frames][SpeechEmbeddingEncoder.MEL_BINS];
        for (int f = 0; f < frames; f++) {
            mel[f][0] = f;
        }
        return mel;
    }

    @Test
    void aLongClipIsCutIntoPiecesOfWholeWindowsThatOverlapByTheReceptiveField() {
        float[][] mel = mel(76 + 9 * 8 + 5);                // 10 windows and 5 frames no window uses
        assertEquals(10, SpeechEmbeddingEncoder.windowCount(mel.length));
        assertSame(mel, SpeechEmbeddingEncoder.chunks(mel, 10).get(0), "at the cap: one piece, no copy");

        List<float[][]> pieces = SpeechEmbeddingEncoder.chunks(mel, 4);
        assertEquals(3, pieces.size());
        // windows 0-3 from frame 0, 4-7 from frame 32, 8-9 from frame 64
        int[] firstFrame = {0, 32, 64};
        int[] frames = {76 + 3 * 8, 76 + 3 * 8, 76 + 8};
        int[] windows = {4, 4, 2};
        for (int p = 0; p < 3; p++) {
            assertEquals(firstFrame[p], (int) pieces.get(p)[0][0], "piece " + p);
            assertEquals(frames[p], pieces.get(p).length, "piece " + p);
            assertEquals(windows[p], SpeechEmbeddingEncoder.windowCount(pieces.get(p).length), "piece " + p);
        }
    }

    @Test
    void shortPiecesArePackedUpToTheCapAndAPieceAtTheCapGoesAlone() {
        List<float[][]> pieces = Arrays.asList(new float[][][] {mel(76 + 2 * 8), mel(76 + 8), mel(76 + 5 * 8), mel(76)});  // 3, 2, 6, 1
        List<List<float[][]>> calls = SpeechEmbeddingEncoder.packByWindows(pieces, 6);
        assertEquals(List.of(2, 1, 1), calls.stream().map(List::size).toList());
        assertSame(pieces.get(2), calls.get(1).get(0));
    }

    @Test
    void cappedCallsGiveTheWindowsOfOnePassOnTheBundledCorpus() throws Exception {
        List<float[]> clips = new ArrayList<>(WholeClipSpeechTest.bundledAudio(64));
        clips.add(Arrays.copyOf(clips.get(0), 4000));        // shorter than one window
        for (String model : List.of("embedding_model_full.onnx", "embedding_model.onnx")) {
            try (SpeechEmbeddingEncoder speech = new SpeechEmbeddingEncoder(MODELS.resolve("melspectrogram.onnx"),
                    MODELS.resolve(model));
                 SpeechEmbeddingEncoder.Session one = speech.newSession(1_000_000);
                 SpeechEmbeddingEncoder.Session capped = speech.newSession(7)) {
                List<Embedding> a = one.encode(clips);
                List<Embedding> b = capped.encode(clips);
                double worst = 0;
                for (int c = 0; c < clips.size(); c++) {
                    assertEquals(a.get(c).tokens().length, b.get(c).tokens().length, model + " clip " + c);
                    assertTrue(a.get(c).tokens().length > 7 || c == clips.size() - 1,
                            "the corpus clips are longer than the cap: " + a.get(c).tokens().length);
                    for (int w = 0; w < a.get(c).tokens().length; w++) {
                        for (int d = 0; d < SpeechEmbeddingEncoder.WIDTH; d++) {
                            worst = Math.max(worst, Math.abs(a.get(c).tokens()[w][d] - b.get(c).tokens()[w][d]));
                        }
                    }
                    for (int d = 0; d < SpeechEmbeddingEncoder.WIDTH; d++) {
                        worst = Math.max(worst, Math.abs(a.get(c).pooled()[d] - b.get(c).pooled()[d]));
                    }
                }
                assertTrue(worst <= 1e-5, model + ": max |capped - one pass| = " + worst);
                if (model.equals("embedding_model.onnx")) {
                    // the windowed model computes each window alone: the same values whatever the call holds
                    for (int c = 0; c < clips.size(); c++) {
                        assertArrayEquals(a.get(c).pooled(), b.get(c).pooled(), model + " clip " + c);
                    }
                }
            }
        }
    }
}
