package io.merspark.extract;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whole clips go into calls of at most framesPerCall frames, in order; a longer clip goes alone. */
class FrameCallsTest {

    private static List<List<float[]>> clips(int... frames) {
        List<List<float[]>> out = new ArrayList<>();
        for (int n : frames) {
            List<float[]> clip = new ArrayList<>();
            for (int f = 0; f < n; f++) {
                clip.add(new float[] {f});
            }
            out.add(clip);
        }
        return out;
    }

    private static List<Integer> sizes(List<List<List<float[]>>> calls) {
        return calls.stream().map(List::size).toList();
    }

    @Test
    void packsWholeClipsUpToTheCap() {
        List<List<float[]>> clips = clips(3, 4, 2, 9, 1, 1);
        List<List<List<float[]>>> calls = FrameCalls.pack(clips, 7);
        // 3+4 = 7 fits, +2 would not; 2 alone (2+9 > 7); 9 exceeds the cap and goes alone; 1+1
        assertEquals(List.of(2, 1, 1, 2), sizes(calls));
        assertSame(clips.get(3), calls.get(2).get(0));
        assertSame(clips.get(5), calls.get(3).get(1));
        assertEquals(List.of(6), sizes(FrameCalls.pack(clips, Integer.MAX_VALUE)));
        assertEquals(List.of(1, 1, 1, 1, 1, 1), sizes(FrameCalls.pack(clips, 1)));
        assertTrue(FrameCalls.pack(List.of(), 8).isEmpty());
    }

    @Test
    void countsFramesAndRejectsAnEmptyClip() {
        assertArrayEquals(new int[] {3, 1}, FrameCalls.counts(clips(3, 1)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FrameCalls.counts(clips(2, 0, 1)));
        assertEquals("clip 1 has no frames", e.getMessage());
    }
}
