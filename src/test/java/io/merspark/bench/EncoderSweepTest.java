package io.merspark.bench;

import io.merspark.extract.Modality;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EncoderSweepTest {

    private static final long MS = 1_000_000;

    /** An arm whose pass advances the fake clock by the next of its durations (ms), and records that it ran. */
    private static EncoderSweep.Arm arm(Modality m, int perCall, boolean control, double units, AtomicLong clock,
                                        List<String> log, long... durationsMs) {
        String name = m.key() + perCall + (control ? "c" : "");
        int[] next = {0};
        return new EncoderSweep.Arm(m, perCall, 1, control, units, 0, () -> { },
                () -> {
                    log.add(name);
                    clock.addAndGet(durationsMs[Math.min(next[0]++, durationsMs.length - 1)] * MS);
                });
    }

    @Test
    void shortPassesRepeatUntilTheSampleIsLongEnough() throws Exception {
        AtomicLong clock = new AtomicLong();
        List<String> log = new ArrayList<>();
        // 100 units in 300 ms: a 1 s sample takes 4 passes (1.2 s) → 400 / 1.2 = 333.33 units/s
        EncoderSweep.Arm a = arm(Modality.TEXT, 1, false, 100, clock, log, 300);
        List<EncoderSweep.Result> r = EncoderSweep.run(List.of(a), 2, 1L, 1.0, clock::get);
        assertEquals(8, log.size());
        assertEquals(400 / 1.2, r.get(0).rates()[0], 1e-9);
        assertEquals(400 / 1.2, r.get(0).rates()[1], 1e-9);
    }

    @Test
    void aControlIsTimedRightNextToItsTwinInEveryRepetition() throws Exception {
        AtomicLong clock = new AtomicLong();
        List<String> log = new ArrayList<>();
        List<EncoderSweep.Arm> arms = List.of(
                arm(Modality.VIDEO, 1, false, 10, clock, log, 100),
                arm(Modality.VIDEO, 8, false, 10, clock, log, 100),
                arm(Modality.VIDEO, 8, true, 10, clock, log, 100),
                arm(Modality.AUDIO, 1, false, 10, clock, log, 100),
                arm(Modality.AUDIO, 1, true, 10, clock, log, 100));
        EncoderSweep.run(arms, 20, 7L, 0.0, clock::get);
        assertEquals(100, log.size());
        for (int rep = 0; rep < 20; rep++) {
            List<String> order = log.subList(5 * rep, 5 * rep + 5);
            int video = order.indexOf("video8");
            int videoControl = order.indexOf("video8c");
            int audio = order.indexOf("audio1");
            int audioControl = order.indexOf("audio1c");
            assertEquals(1, Math.abs(video - videoControl), "repetition " + rep + ": " + order);
            assertEquals(1, Math.abs(audio - audioControl), "repetition " + rep + ": " + order);
        }
        // the order is shuffled: the control does not always come second
        long controlFirst = 0;
        for (int rep = 0; rep < 20; rep++) {
            List<String> order = log.subList(5 * rep, 5 * rep + 5);
            if (order.indexOf("video8c") < order.indexOf("video8")) {
                controlFirst++;
            }
        }
        assertTrue(controlFirst > 0 && controlFirst < 20, "control first in " + controlFirst + " of 20");
    }

    @Test
    void theAaRatioIsTheMedianOfPairedRatiosSoOneDisturbedRepetitionDoesNotFlagIt() throws Exception {
        AtomicLong clock = new AtomicLong();
        List<String> log = new ArrayList<>();
        // the machine drifts between repetitions (100, 200, 300 ms a pass) and a burst of other work doubles the
        // control's second pass: the medians of the two arms' rates differ by a third, the paired ratios are 1, 0.5, 1
        List<EncoderSweep.Arm> arms = List.of(
                arm(Modality.AUDIO, 1, false, 100, clock, log, 100, 200, 300),
                arm(Modality.AUDIO, 1, true, 100, clock, log, 100, 400, 300));
        List<EncoderSweep.Result> r = EncoderSweep.run(arms, 3, 3L, 0.0, clock::get);
        assertEquals(2.0 / 3.0, r.get(1).median() / r.get(0).median(), 1e-12);
        assertEquals(1.0, EncoderSweep.aaRatio(r, Modality.AUDIO), 1e-12);
        assertTrue(EncoderSweep.aaPasses(1.0));

        // a control 5 % slower in every repetition is flagged whatever the drift
        AtomicLong clock2 = new AtomicLong();
        List<EncoderSweep.Arm> biased = List.of(
                arm(Modality.AUDIO, 1, false, 100, clock2, log, 100, 200, 400),
                arm(Modality.AUDIO, 1, true, 100, clock2, log, 105, 210, 420));
        double ratio = EncoderSweep.aaRatio(EncoderSweep.run(biased, 3, 3L, 0.0, clock2::get), Modality.AUDIO);
        assertEquals(100.0 / 105.0, ratio, 1e-12);
        assertFalse(EncoderSweep.aaPasses(ratio));
    }
}
