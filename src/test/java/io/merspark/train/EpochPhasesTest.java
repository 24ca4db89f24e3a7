package io.merspark.train;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EpochPhasesTest {

    @Test
    void chargesEachStretchOfWorkToThePhaseThatEndsIt() {
        EpochPhases phases = new EpochPhases();
        phases.start();
        spin(40);
        phases.mark(EpochPhases.Phase.FORWARD);
        phases.mark(EpochPhases.Phase.BACKWARD);  // nothing in between: (almost) nothing charged
        spin(20);
        phases.mark(EpochPhases.Phase.STEP);

        double forward = phases.cpuSeconds(EpochPhases.Phase.FORWARD);
        double step = phases.cpuSeconds(EpochPhases.Phase.STEP);
        assertTrue(forward >= 0.040, "forward " + forward);
        assertTrue(step >= 0.020, "step " + step);
        assertTrue(forward > step, forward + " vs " + step);
        assertTrue(phases.cpuSeconds(EpochPhases.Phase.BACKWARD) < 0.005);
        assertEquals(0, phases.cpuSeconds(EpochPhases.Phase.READ));
        assertEquals(forward + step + phases.cpuSeconds(EpochPhases.Phase.BACKWARD), phases.cpuSeconds(), 1e-9);
        assertTrue(phases.perEpoch(2).startsWith("read 0.000 s (0%), encode 0.000 s (0%), forward "),
                phases.perEpoch(2));
    }

    @Test
    void timedTrainingFillsEveryPhaseAndLeavesTheWarmUpOut() {
        List<FusionSample> rows = new SyntheticTokenData(4).samples(48, 0.1, 3);
        TrainSpec spec = SyntheticTokenData.agtSpec().batchSize(16).seed(5).build();
        EpochPhases timed = new EpochPhases();
        double[] seconds = new FusionTrainer().epochSeconds(SampleSource.of(rows), spec, 2, 3, timed);

        assertEquals(5, seconds.length);
        for (EpochPhases.Phase p : EpochPhases.Phase.values()) {
            assertTrue(timed.cpuSeconds(p) > 0, p + " got no time");
        }
        // thread CPU time of the three timed epochs cannot exceed their wall time
        double wall = seconds[2] + seconds[3] + seconds[4];
        assertTrue(timed.cpuSeconds() <= wall * 1.01 + 0.01, timed.cpuSeconds() + " s CPU in " + wall + " s");
    }

    @Test
    void untimedMarksChargeNothing() {
        EpochPhases.UNTIMED.start();
        spin(20);
        EpochPhases.UNTIMED.mark(EpochPhases.Phase.FORWARD);
        assertEquals(0.0, EpochPhases.UNTIMED.cpuSeconds());
    }

    /** Busy for {@code millis} of this thread's CPU time (wall time would count waits on a loaded machine). */
    private static void spin(long millis) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long end = threads.getCurrentThreadCpuTime() + millis * 1_000_000;
        long x = 0;
        while (threads.getCurrentThreadCpuTime() < end) {
            x += System.identityHashCode(new Object());
        }
        assertTrue(x != 42);
    }
}
