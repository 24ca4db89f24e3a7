package io.merspark.extract;

import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A driver-side daemon thread that logs a job's progress (rows done / total, rows/s) at a steady interval from a
 * {@link LongAccumulator} the tasks add to. Spark merges a task's accumulator updates when the task ends, so the
 * count moves in steps of finished partitions; the tasks' own log lines show rows/s within a partition.
 */
public final class Progress implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Progress.class);

    private final String job;
    private final LongAccumulator done;
    private final long total;
    private final long start = System.nanoTime();
    private final ScheduledExecutorService timer;

    private Progress(String job, LongAccumulator done, long total, long intervalMillis) {
        this.job = job;
        this.done = done;
        this.total = total;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, job + "-progress");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(() -> LOG.info(line()), intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }

    /** Starts logging every {@code intervalMillis} until {@link #close()}. */
    public static Progress start(String job, LongAccumulator done, long total, long intervalMillis) {
        return new Progress(job, done, total, intervalMillis);
    }

    /** The progress line, e.g. {@code extract: 128/704 rows (18.2%), 9.7 rows/s, 13 s}. */
    public String line() {
        return format(job, done.value(), total, (System.nanoTime() - start) / 1e9);
    }

    static String format(String job, long done, long total, double seconds) {
        return String.format(Locale.ROOT, "%s: %d/%d rows (%.1f%%), %.1f rows/s, %.0f s", job, done, total,
                total == 0 ? 100.0 : 100.0 * done / total, seconds > 0 ? done / seconds : 0.0, seconds);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        LOG.info(line());
    }
}
