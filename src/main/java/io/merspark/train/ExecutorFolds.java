package io.merspark.train;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Trains the folds as Spark tasks, one fold per task, so k members train on k executors at once instead of one
 * after another on the driver. The training rows travel as the driver's {@link TokenCache} file, copied once to
 * {@code staging} on the root's filesystem (a local path or HDFS) and removed when the folds are back; a task
 * reads it in place when the filesystem is local, otherwise from a local copy it deletes when it ends. Each task
 * returns its {@link FoldResult} (a member's parameters, a few MB), so the driver builds the same ensemble as
 * {@link FoldRunner#local()}: every fold reseeds the engine from the spec's seed and its index.
 *
 * <p>One fold at a time per executor JVM: the PyTorch engine's random generator and DJL's gradient collector are
 * process-wide, so tasks of an executor with several cores wait for each other here.
 */
public final class ExecutorFolds implements FoldRunner {

    private static final Logger LOG = LoggerFactory.getLogger(ExecutorFolds.class);
    private static final Object ENGINE_LOCK = new Object();

    private final SparkSession spark;
    private final String staging;
    private final int threads;

    /**
     * @param staging a directory on the root's filesystem the executors can read (created if missing)
     * @param threads PyTorch intra-op threads of each fold's task
     */
    public ExecutorFolds(SparkSession spark, String staging, int threads) {
        this.spark = spark;
        this.staging = staging;
        this.threads = threads;
    }

    @Override
    public List<FoldResult> run(TrainSpec spec, SampleSource source, List<FoldJob> jobs) {
        java.nio.file.Path spilled = null;
        TokenCache cache;
        try {
            if (source instanceof TokenCache c) {
                cache = c;
            } else {
                spilled = Files.createTempFile("mer-folds-", ".rows");
                cache = TokenCache.spill(source, spec.numModalities(), spilled);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot spill the training rows", e);
        }
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path rows = new Path(staging, "_training-rows-" + UUID.randomUUID() + ".bin");
        FileSystem fs;
        try {
            fs = rows.getFileSystem(conf);
            rows = fs.makeQualified(rows);
            fs.copyFromLocalFile(false, true, new Path(cache.file().toUri()), rows);
        } catch (IOException e) {
            closeSpilled(cache, spilled);
            throw new UncheckedIOException("cannot stage the training rows at " + rows, e);
        }
        try {
            return trainOnExecutors(spec, rows.toString(), cache.index(), jobs, cache.bytes());
        } finally {
            closeSpilled(cache, spilled);
            try {
                fs.delete(rows, false);
            } catch (IOException e) {
                LOG.warn("cannot remove staged training rows {}: {}", rows, e.getMessage());
            }
        }
    }

    private List<FoldResult> trainOnExecutors(TrainSpec spec, String rows, TokenCache.Index index, List<FoldJob> jobs,
                                              long bytes) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int t = threads;
        long start = System.nanoTime();
        LOG.info("training {} folds as Spark tasks on the executors ({} rows, {} MiB staged at {})", jobs.size(),
                index.labels().length, String.format(Locale.ROOT, "%.1f", bytes / 1048576.0), rows);
        String previous = spark.sparkContext().getLocalProperty("spark.job.description");
        jsc.setJobDescription("train " + jobs.size() + " " + spec.model() + " folds");
        List<FoldResult> results;
        try {
            results = new ArrayList<>(jsc.parallelize(jobs, jobs.size())
                    .map(job -> trainHere(spec, rows, index, t, job))
                    .collect());
        } finally {
            jsc.setJobDescription(previous);
        }
        results.sort(Comparator.comparingInt(r -> r.metrics().fold()));
        LOG.info("{} folds trained on the executors in {} s", results.size(),
                String.format(Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9));
        return results;
    }

    /** The task: one fold over the staged rows, read in place or from a local copy. */
    static FoldResult trainHere(TrainSpec spec, String rows, TokenCache.Index index, int threads, FoldJob job)
            throws IOException {
        Path src = new Path(rows);
        String scheme = src.toUri().getScheme();
        boolean local = scheme == null || "file".equals(scheme);
        java.nio.file.Path copy = null;
        try {
            java.nio.file.Path file;
            if (local) {
                file = java.nio.file.Path.of(src.toUri().getPath());
            } else {
                copy = Files.createTempFile("mer-fold-" + job.fold() + "-", ".rows");
                src.getFileSystem(new Configuration()).copyToLocalFile(false, src, new Path(copy.toUri()), true);
                file = copy;
            }
            synchronized (ENGINE_LOCK) {
                FusionTrainer.useThreads(threads);
                try (TokenCache cache = TokenCache.attach(file, index)) {
                    FoldTrainer trainer = new FoldTrainer(spec, FusionDevices.resolve(spec.device()));
                    return FiniteFoldRetry.train(job.fold(), () -> trainer.train(job, cache));
                }
            }
        } finally {
            if (copy != null) {
                Files.deleteIfExists(copy);
            }
        }
    }

    private static void closeSpilled(TokenCache cache, java.nio.file.Path spilled) {
        if (spilled != null) {
            cache.close();
        }
    }
}
