package io.merspark.bench;

import io.merspark.config.Settings;
import io.merspark.extract.Embedding;
import io.merspark.extract.ExtractSpec;
import io.merspark.extract.ExtractSummary;
import io.merspark.extract.FaceExpressionEncoder;
import io.merspark.extract.FeatureExtractor;
import io.merspark.extract.Modality;
import io.merspark.extract.ModelFiles;
import io.merspark.extract.SentenceEncoder;
import io.merspark.extract.SpeechEmbeddingEncoder;
import io.merspark.ingest.ManifestIngest;
import io.merspark.media.AudioDecoder;
import io.merspark.media.MediaException;
import io.merspark.media.VideoFrameSampler;
import io.merspark.pipeline.ExtractStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import static org.apache.spark.sql.functions.col;

/**
 * {@code ./submit.sh bench extract}: in one run,
 * <ol>
 *   <li>an encoder sweep on the first {@code encoderClips} clips decoded once ({@link EncoderSweep}): per modality,
 *       units/s against the tensor size per call and intra-op threads 1 and = cores, median and range over
 *       repetitions in interleaved order, an A/A control, multiply-adds per unit and GFLOP/s against this CPU's
 *       peak ({@link EncoderCost});</li>
 *   <li>executor scaling of the real extract job on {@code local-cluster[1|2,1,MB]} over the first {@code clips}
 *       clips: a cold run (model loads), full warm-up runs until the executors' JIT compilers are quiet
 *       ({@link ExecutorJvmLoad}), then warm pairs of a small subset and all clips; each pair's slope (extra
 *       clips / extra seconds) is a steady rate, their median the cluster's, the job overhead what the small run
 *       takes beyond it.</li>
 * </ol>
 * Not a test: the figures depend on the machine; the load average is printed with them.
 */
public final class ExtractBench {

    /** Clips of the small warm run whose time, beyond the steady rate, is the job's fixed overhead. */
    static final int SMALL_RUN = 64;
    /** Warm (small, full) pairs per cluster size. */
    static final int SCALING_REPS = 3;

    private final Settings settings;
    private final Path manifestCsv;
    private final int clips;
    private final int encoderClips;
    private final int reps;
    private final double minSeconds;
    private final int maxWarmups;
    private final int executorMemoryMb;
    private final Path work;

    public ExtractBench(Settings settings, Path manifestCsv, int clips, int encoderClips, int reps,
                        double minSeconds, int maxWarmups, int executorMemoryMb, Path work) {
        this.settings = settings;
        this.manifestCsv = manifestCsv;
        this.clips = clips;
        this.encoderClips = encoderClips;
        this.reps = reps;
        this.minSeconds = minSeconds;
        if (maxWarmups < 0) {
            throw new IllegalArgumentException("--max-warmups must be >= 0, got " + maxWarmups);
        }
        this.maxWarmups = maxWarmups;
        this.executorMemoryMb = executorMemoryMb;
        this.work = work.toAbsolutePath();
    }

    public void run(PrintStream out) throws Exception {
        ExtractSpec spec = ExtractStage.spec(settings).withAbsoluteModelPaths().withDevice("cpu");
        String manifest = work.resolve("manifest").toString();
        List<Row> rows = subset(manifest);
        int cores = Runtime.getRuntime().availableProcessors();
        out.printf(Locale.ROOT, "bench extract: %d clips of %s; encoder sweep on %d of them, %d repetitions of at least"
                        + " %.1f s; %s, %d cores, load average %.2f%n", rows.size(), manifestCsv,
                Math.min(encoderClips, rows.size()), reps, minSeconds, EncoderCost.cpuName(), cores, loadAverage());
        EncoderCost cost = EncoderCost.read(Paths.get("models", "macs.json"));
        if (encoderClips > 0) {
            List<EncoderSweep.Result> sweep = sweep(spec, rows.subList(0, Math.min(encoderClips, rows.size())), cost,
                    cores);
            printSweep(out, sweep, cores, spec, cost);
        }
        printScaling(out, spec, manifest, rows.size());
    }

    private List<EncoderSweep.Result> sweep(ExtractSpec spec, List<Row> rows, EncoderCost cost, int cores)
            throws Exception {
        List<List<float[]>> frames = new ArrayList<>();
        List<float[]> audios = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (Row r : rows) {
            String video = r.getAs("video");
            String audio = r.getAs("audio");
            String text = r.getAs("text");
            try {
                if (video != null) {
                    for (float[] f : new VideoFrameSampler().sample(Paths.get(video), spec.framesPerClip(),
                            spec.frameSize())) {
                        frames.add(List.of(f));         // one frame per "clip": the packer then fills any call size
                    }
                }
                if (audio != null || video != null) {
                    audios.add(new AudioDecoder().decodeMono16k(Paths.get(audio != null ? audio : video)));
                }
            } catch (MediaException e) {
                System.out.println("  skipped " + r.getAs("sample_id") + ": " + e.getMessage());
            }
            if (text != null && !text.isBlank()) {
                texts.add(text);
            }
        }
        int[] threads = cores > 1 ? new int[] {1, cores} : new int[] {1};
        List<EncoderSweep.Arm> arms = new ArrayList<>();
        List<AutoCloseable> open = new ArrayList<>();
        try {
            long audioSamples = audios.stream().mapToLong(a -> a.length).sum();
            long audioMacs = audios.stream().mapToLong(a -> cost.audioClip(a.length)).sum();
            for (int t : threads) {
                FaceExpressionEncoder face = add(open, new FaceExpressionEncoder(ModelFiles.resolve(spec.faceModel()), "cpu", t));
                for (int perCall : new int[] {1, 2, 4, 8, 16, 32}) {
                    boolean[] variants = perCall == spec.framesPerCall(ai.djl.Device.cpu()) && t == 1
                            ? new boolean[] {false, true} : new boolean[] {false};
                    for (boolean control : variants) {
                        FaceExpressionEncoder.Session s = add(open, face.newSession(perCall));
                        EncoderSweep.Pass pass = () -> EncoderSweep.expect(s.encode(frames), frames.size(), "video");
                        arms.add(new EncoderSweep.Arm(Modality.VIDEO, perCall, t, control, frames.size(),
                                cost.videoPerFrame() * frames.size(), pass, pass));
                    }
                }
                SpeechEmbeddingEncoder speech = add(open, new SpeechEmbeddingEncoder(ModelFiles.resolve(spec.melModel()),
                        ModelFiles.resolve(spec.speechModel()), "cpu", t));
                int windowsDefault = spec.windowsPerCall(ai.djl.Device.cpu());
                for (int perCall : new int[] {16, 32, 64, 128, 256}) {
                    boolean[] variants = perCall == windowsDefault && t == 1
                            ? new boolean[] {false, true} : new boolean[] {false};
                    for (boolean control : variants) {
                        SpeechEmbeddingEncoder.Session s = add(open, speech.newSession(perCall));
                        EncoderSweep.Pass pass = () -> EncoderSweep.expect(s.encode(audios), audios.size(), "audio");
                        arms.add(new EncoderSweep.Arm(Modality.AUDIO, perCall, t, control, audioSamples / 16000.0,
                                audioMacs, pass, pass));
                    }
                }
                SentenceEncoder text = add(open, SentenceEncoder.fromLocations(spec.textModel(), spec.textTokenizer(),
                        spec.textMaxLength(), "cpu", t));
                long textMacs = 0;
                for (Embedding e : text.encode(texts)) {
                    textMacs += cost.text(e.tokens().length);
                }
                for (boolean control : t == 1 ? new boolean[] {false, true} : new boolean[] {false}) {
                    SentenceEncoder.Session s = add(open, text.newSession());
                    EncoderSweep.Pass pass = () -> EncoderSweep.expect(s.encode(texts, new LongAdder()), texts.size(),
                            "text");
                    // warm-up = one untimed pass: every input shape is seen before timing
                    arms.add(new EncoderSweep.Arm(Modality.TEXT, 1, t, control, texts.size(), textMacs, pass, pass));
                }
            }
            System.out.printf(Locale.ROOT, "  decoded %d frames, %.1f s of audio, %d texts; %d arms%n", frames.size(),
                    audioSamples / 16000.0, texts.size(), arms.size());
            return EncoderSweep.run(arms, reps, 20261202L, minSeconds);
        } finally {
            for (int i = open.size() - 1; i >= 0; i--) {
                open.get(i).close();
            }
        }
    }

    private static <T extends AutoCloseable> T add(List<AutoCloseable> open, T resource) {
        open.add(resource);
        return resource;
    }

    private static void printSweep(PrintStream out, List<EncoderSweep.Result> sweep, int cores, ExtractSpec spec,
                                   EncoderCost cost) {
        double fp32Peak = EncoderCost.peakGflopsPerCore(false);
        double int8Peak = EncoderCost.peakGflopsPerCore(true);
        out.printf(Locale.ROOT, "%nencoders (median of the repetitions; range = min..max; peak per core %.1f GFLOP/s fp32,"
                + " FMA lanes x 2 ports x clock, %.1f int8 for the quantised text model):%n", fp32Peak, int8Peak);
        String f = "%-28s %11s %19s %7s %9s %10s %8s%n";
        out.printf(Locale.ROOT, f, "arm", "units/s", "range", "spread", "GFLOP/s", "per core", "of peak");
        for (EncoderSweep.Result r : sweep) {
            double perCore = r.gflops() / r.arm().threads();
            double peak = r.arm().modality() == Modality.TEXT && cost.textInt8() ? int8Peak : fp32Peak;
            out.printf(Locale.ROOT, f, r.arm().label() + " [" + unit(r.arm().modality()) + "]",
                    String.format(Locale.ROOT, "%.1f", r.median()),
                    String.format(Locale.ROOT, "%.1f..%.1f", r.min(), r.max()),
                    String.format(Locale.ROOT, "%.1f%%", 100 * r.spread()),
                    String.format(Locale.ROOT, "%.2f", r.gflops()), String.format(Locale.ROOT, "%.2f", perCore),
                    peak > 0 ? String.format(Locale.ROOT, "%.1f%%", 100 * perCore / peak) : "-");
        }
        out.println();
        for (Modality m : List.of(Modality.VIDEO, Modality.AUDIO, Modality.TEXT)) {
            double aa = EncoderSweep.aaRatio(sweep, m);
            EncoderSweep.Result best1 = EncoderSweep.best(sweep, m, 1);
            EncoderSweep.Result bestN = EncoderSweep.best(sweep, m, cores);
            out.printf(Locale.ROOT, "%s: A/A %.3f (median of the paired ratios; %s, tolerance ±%.0f%%); best at 1 thread %d/call %.1f %s/s; at %d threads"
                            + " %d/call %.1f %s/s (%.2fx of 1 thread)%s%n", m.key(), aa,
                    EncoderSweep.aaPasses(aa) ? "passes" : "FLAGGED: the figures of this modality are noise-bound",
                    100 * EncoderSweep.AA_TOLERANCE, best1.arm().perCall(), best1.median(), unit(m), cores,
                    bestN.arm().perCall(), bestN.median(), unit(m), bestN.median() / best1.median(),
                    switch (m) {
                        case VIDEO -> "; default frames-per-call.cpu = " + spec.framesPerCall(ai.djl.Device.cpu());
                        case AUDIO -> "; default windows-per-call.cpu = " + spec.windowsPerCall(ai.djl.Device.cpu());
                        case TEXT -> "";
                    });
        }
    }

    private static String unit(Modality m) {
        return switch (m) {
            case VIDEO -> "frames";
            case AUDIO -> "audio s";
            case TEXT -> "texts";
        };
    }

    /**
     * Steady rate and job overhead of the real extract job on 1 and 2 single-core executors: {@link #SCALING_REPS}
     * warm pairs (small run, full run) per cluster, each pair's slope a rate, their median the steady rate.
     */
    private void printScaling(PrintStream out, ExtractSpec spec, String manifest, int total) {
        int small = Math.min(SMALL_RUN, total / 4);
        double[][] slopes = new double[3][];
        out.printf(Locale.ROOT, "%nextract job, %d clips x %d modalities (cold = first run, models loaded; full warm-up runs until the"
                + " executors' compilers take < %.0f %% of their cores; then %d warm pairs"
                + " of a %d- and a %d-clip run, each pair's slope a steady rate):%n", total, spec.modalities().size(),
                100 * ExecutorJvmLoad.QUIET_JIT_SHARE, SCALING_REPS, small, total);
        for (int executors : new int[] {1, 2}) {
            SparkSession spark = LocalCluster.start("mer-spark-bench-" + executors, executors, executorMemoryMb);
            try {
                Dataset<Row> all = spark.read().parquet(manifest);
                Dataset<Row> few = all.orderBy(col("sample_id")).limit(small);
                few = spark.createDataFrame(few.collectAsList(), all.schema());
                Map<String, ExecutorJvmLoad.Sample> start = ExecutorJvmLoad.sample(spark, executors);
                double cold = extract(spark, all, spec, executors + "-cold");
                int warmups = warmUntilQuiet(spark, all, spec, executors);
                Map<String, ExecutorJvmLoad.Sample> before = ExecutorJvmLoad.sample(spark, executors);
                long t0 = System.nanoTime();
                double[] big = new double[SCALING_REPS];
                double[] little = new double[SCALING_REPS];
                slopes[executors] = new double[SCALING_REPS];
                for (int r = 0; r < SCALING_REPS; r++) {
                    little[r] = extract(spark, few, spec, executors + "-small-" + r);
                    big[r] = extract(spark, all, spec, executors + "-all-" + r);
                    // a slope needs the full run to take longer than the small one; noise that inverts them is no rate
                    slopes[executors][r] = big[r] > little[r] ? (total - small) / (big[r] - little[r]) : Double.NaN;
                }
                Map<String, ExecutorJvmLoad.Sample> after = ExecutorJvmLoad.sample(spark, executors);
                ExecutorJvmLoad.Share measured = ExecutorJvmLoad.between(before, after, (System.nanoTime() - t0) / 1e9);
                double steady = EncoderSweep.Result.median(slopes[executors]);
                double overhead = EncoderSweep.Result.median(little) - small / steady;
                out.printf(Locale.ROOT, "  %d executor(s): cold %.1f s, then %d full warm-up run(s) until the compilers"
                                + " were quiet; warm %d clips %s s, %d clips %s s; steady %.2f clips/s (pairs %s), job"
                                + " overhead %.1f s, cold start %.1f s; while measured: %s; compile time since start"
                                + " %.1f s (load average %.2f)%n",
                        executors, cold, warmups, total, join(big, "%.1f"), small, join(little, "%.1f"), steady,
                        join(slopes[executors], "%.1f"), overhead, cold - EncoderSweep.Result.median(big),
                        measured.describe(), ExecutorJvmLoad.compileSeconds(start, after),
                        loadAverage());
            } finally {
                LocalCluster.stop(spark);
            }
        }
        double[] ratios = new double[SCALING_REPS];
        for (int r = 0; r < SCALING_REPS; r++) {
            ratios[r] = slopes[2][r] / slopes[1][r];
        }
        out.printf(Locale.ROOT, "  2 vs 1 executors, steady state: %.2fx (median of the rates; pair by pair %s)%n",
                EncoderSweep.Result.median(slopes[2]) / EncoderSweep.Result.median(slopes[1]), join(ratios, "%.2f"));
    }

    /**
     * Full runs after the cold one until the executors' JIT compilers take less than
     * {@link ExecutorJvmLoad#QUIET_JIT_SHARE} of their cores over a run (at most {@code maxWarmups}): one cold
     * job leaves the compilers busy for minutes, and their threads compete with the tasks for the cores.
     *
     * @return the warm-up runs made
     */
    private int warmUntilQuiet(SparkSession spark, Dataset<Row> all, ExtractSpec spec, int executors) {
        for (int w = 1; w <= maxWarmups; w++) {
            Map<String, ExecutorJvmLoad.Sample> before = ExecutorJvmLoad.sample(spark, executors);
            long t0 = System.nanoTime();
            extract(spark, all, spec, executors + "-warmup-" + w);
            ExecutorJvmLoad.Share share = ExecutorJvmLoad.between(before, ExecutorJvmLoad.sample(spark, executors),
                    (System.nanoTime() - t0) / 1e9);
            System.out.printf(Locale.ROOT, "    warm-up %d: %s%n", w, share.describe());
            if (ExecutorJvmLoad.quiet(share)) {
                return w;
            }
        }
        if (maxWarmups > 0) {
            System.out.printf(Locale.ROOT, "    the compilers were not quiet after %d warm-up runs; measuring anyway%n",
                    maxWarmups);
        }
        return maxWarmups;
    }

    private static String join(double[] values, String format) {
        StringBuilder b = new StringBuilder();
        for (double v : values) {
            b.append(b.length() == 0 ? "" : " / ").append(String.format(Locale.ROOT, format, v));
        }
        return b.toString();
    }

    private double extract(SparkSession spark, Dataset<Row> manifest, ExtractSpec spec, String name) {
        String out = work.resolve("x-" + name).toString();
        long t0 = System.nanoTime();
        ExtractSummary s = new FeatureExtractor().run(spark, manifest, spec, out + "/features", out + "/errors");
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "  %s: %.1f s, %s%n", name, seconds, s);
        return seconds;
    }

    /** The first {@code clips} rows by sample_id, validated by the ingest code, written as the job's manifest. */
    private List<Row> subset(String manifest) {
        SparkSession spark = SparkSession.builder().master("local[1]").appName("mer-spark-bench-prepare")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1").getOrCreate();
        try {
            Dataset<Row> accepted = new ManifestIngest(spark, settings.classes()).read(manifestCsv).accepted();
            accepted.orderBy(col("sample_id")).limit(clips).write().mode(SaveMode.Overwrite).parquet(manifest);
            return spark.read().parquet(manifest).orderBy(col("sample_id")).collectAsList();
        } finally {
            LocalCluster.stop(spark);
        }
    }

    static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}
