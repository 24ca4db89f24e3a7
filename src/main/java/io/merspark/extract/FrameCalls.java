package io.merspark.extract;

import java.util.ArrayList;
import java.util.List;

/** How the video encoders put clips into model calls: whole clips per call, every clip's frames counted. */
final class FrameCalls {

    private FrameCalls() {
    }

    /**
     * Consecutive runs of whole clips with at most {@code framesPerCall} frames in all; a clip with more frames goes
     * alone.
     */
    static List<List<List<float[]>>> pack(List<List<float[]>> clips, int framesPerCall) {
        List<List<List<float[]>>> calls = new ArrayList<>();
        int from = 0;
        while (from < clips.size()) {
            int to = from + 1;
            int frames = clips.get(from).size();
            while (to < clips.size() && frames + clips.get(to).size() <= framesPerCall) {
                frames += clips.get(to++).size();
            }
            calls.add(clips.subList(from, to));
            from = to;
        }
        return calls;
    }

    /** Each clip's frame count, in order; a clip with no frames is an error. */
    static int[] counts(List<List<float[]>> clips) {
        int[] counts = new int[clips.size()];
        for (int c = 0; c < counts.length; c++) {
            counts[c] = clips.get(c).size();
            if (counts[c] == 0) {
                throw new IllegalArgumentException("clip " + c + " has no frames");
            }
        }
        return counts;
    }
}
