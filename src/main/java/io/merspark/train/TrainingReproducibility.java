package io.merspark.train;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The process setting that asks MKL for reproducible results. The PyTorch engine's CPU build links Intel MKL, whose
 * kernels may sum in an order chosen by the alignment of their buffers; with {@code MKL_CBWR=AUTO,STRICT}
 * (conditional numerical reproducibility, strict mode) they do not. It narrowed, but did not close, the run-to-run
 * differences seen between trainings (README, "Limits worth knowing"). MKL reads the variable when it starts, so it
 * must be in the environment of every JVM that trains: {@code submit.sh} exports it for the driver and passes it to
 * the executors ({@code spark.executorEnv.MKL_CBWR}), the test JVMs get it from the build.
 */
public final class TrainingReproducibility {

    public static final String MKL_CBWR = "MKL_CBWR";
    public static final String MKL_CBWR_VALUE = "AUTO,STRICT";
    private static final Logger LOG = LoggerFactory.getLogger(TrainingReproducibility.class);
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private TrainingReproducibility() {
    }

    /** Whether MKL_CBWR makes MKL's results independent of alignment: a STRICT mode, or COMPATIBLE (slowest). */
    public static boolean reproducible(String mklCbwr) {
        String v = mklCbwr == null ? "" : mklCbwr.toUpperCase(java.util.Locale.ROOT);
        return v.contains("STRICT") || v.startsWith("COMPATIBLE");
    }

    /** Says once per process when training here may differ from run to run in its last bits. */
    static void checkProcess() {
        String value = System.getenv(MKL_CBWR);
        if (!reproducible(value) && WARNED.compareAndSet(false, true)) {
            LOG.warn("{}={} in this process: the same training is likelier to end in different last bits from run to run; "
                    + "set {}={} before the JVM starts (submit.sh does)", MKL_CBWR, value, MKL_CBWR, MKL_CBWR_VALUE);
        }
    }
}
