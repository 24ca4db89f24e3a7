package io.merspark.train;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;

/**
 * The training thread's CPU time in each phase of an epoch, summed over batches: reading rows and applying
 * modality dropout, building the batch's NDArrays, forward (with the loss), backward, and the optimizer step.
 * With one intra-op thread the engine runs every op eagerly on the calling thread, so this is the epoch's
 * cost without the waits that a machine shared with other work adds to wall time.
 */
public final class EpochPhases {

    /** The phases, in the order a batch goes through them. */
    public enum Phase { READ, ENCODE, FORWARD, BACKWARD, STEP }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** Marks that read no clock: the round's training and warm-up epochs, which nobody times. */
    static final EpochPhases UNTIMED = new EpochPhases(false);

    private final boolean timed;
    private final long[] cpuNanos = new long[Phase.values().length];
    private long last;

    public EpochPhases() {
        this(true);
    }

    private EpochPhases(boolean timed) {
        this.timed = timed;
    }

    /** Starts timing a batch's first phase. */
    void start() {
        if (timed) {
            last = THREADS.getCurrentThreadCpuTime();
        }
    }

    /** Charges the CPU time since the last mark to {@code phase} and starts the next one. */
    void mark(Phase phase) {
        if (!timed) {
            return;
        }
        long now = THREADS.getCurrentThreadCpuTime();
        cpuNanos[phase.ordinal()] += now - last;
        last = now;
    }

    public double cpuSeconds(Phase phase) {
        return cpuNanos[phase.ordinal()] / 1e9;
    }

    public double cpuSeconds() {
        long sum = 0;
        for (long n : cpuNanos) {
            sum += n;
        }
        return sum / 1e9;
    }

    /** "read 0.010 s (2%), encode …": per epoch of {@code epochs}, with each phase's share. */
    public String perEpoch(int epochs) {
        StringBuilder b = new StringBuilder();
        double total = cpuSeconds();
        for (Phase p : Phase.values()) {
            b.append(b.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s %.3f s (%.0f%%)",
                    p.name().toLowerCase(Locale.ROOT), cpuSeconds(p) / epochs,
                    total == 0 ? 0 : 100 * cpuSeconds(p) / total));
        }
        return b.toString();
    }
}
