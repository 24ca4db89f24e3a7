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

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import static org.apache.spark.sql.functions.col;

/**
 * {@code ./submit.sh bench extract}: on a subset of a manifest (the first N clips by sample_id), measures in one run
 * <ol>
 *   <li>per modality, encoder throughput batched (batch B) vs one by one, on the same inputs decoded once; only the
 *       encoder is timed (one predictor per mode, one intra-op thread, after a warm-up);</li>
 *   <li>the full extract job (decode + encode + write) on {@code local-cluster[2,1,MB]} vs
 *       {@code local-cluster[1,1,MB]}: a cold run (executors load the models) and a warm run (models cached);</li>
 *   <li>model loads per executor.</li>
 * </ol>
 * and prints a table. Not a test: the numbers depend on the machine.
 */
public final class ExtractBench {

    private final Settings settings;
    private final Path manifestCsv;
    private final int clips;
    private final int batch;
    private final int rowsPerPartition;
    private final int executorMemoryMb;
    private final Path work;

    public ExtractBench(Settings settings, Path manifestCsv, int clips, int batch, int rowsPerPartition,
                        int executorMemoryMb, Path work) {
        this.settings = settings;
        this.manifestCsv = manifestCsv;
        this.clips = clips;
        this.batch = batch;
        this.rowsPerPartition = rowsPerPartition;
        this.executorMemoryMb = executorMemoryMb;
        this.work = work.toAbsolutePath();
    }

    /** One measured row of the report. */
    public record Line(String what, String a, String b, String ratio, String note) {
    }

    public List<Line> run() {
        List<Line> lines = new ArrayList<>();
        ExtractSpec spec = ExtractStage.spec(settings).withAbsoluteModelPaths().withDevice("cpu")
                .withRowsPerPartition(rowsPerPartition);
        String manifest = work.resolve("manifest").toString();
        List<Row> rows = subset(manifest);
        System.out.printf(Locale.ROOT, "bench extract: %d clips of %s, batch %d, %d rows per partition%n",
                rows.size(), manifestCsv, batch, rowsPerPartition);

        lines.addAll(encoders(spec, rows));

        Map<Integer, double[]> jobs = new LinkedHashMap<>();
        Map<Integer, Long> loads = new LinkedHashMap<>();
        for (int executors : new int[] {1, 2}) {
            SparkSession spark = LocalCluster.start("mer-spark-bench-" + executors, executors, executorMemoryMb);
            try {
                Dataset<Row> m = spark.read().parquet(manifest);
                double[] rates = new double[2];
                for (int run = 0; run < 2; run++) {
                    String out = work.resolve("x" + executors + "-" + run).toString();
                    long t0 = System.nanoTime();
                    ExtractSummary s = new FeatureExtractor().run(spark, m, spec, out + "/features", out + "/errors");
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    rates[run] = rows.size() / seconds;
                    if (run == 0) {
                        loads.put(executors, s.modelLoads());
                    }
                    System.out.printf(Locale.ROOT, "  local-cluster[%d,1,%d] %s run: %.1f s, %.2f clips/s, %s%n",
                            executors, executorMemoryMb, run == 0 ? "cold" : "warm", seconds, rates[run], s);
                }
                jobs.put(executors, rates);
            } finally {
                LocalCluster.stop(spark);
            }
        }
        int encoders = spec.modalities().size();
        lines.add(new Line("extract job, cold (clips/s)", fmt(jobs.get(2)[0]), fmt(jobs.get(1)[0]),
                ratio(jobs.get(2)[0], jobs.get(1)[0]), "2 vs 1 executors; includes model loading"));
        lines.add(new Line("extract job, warm (clips/s)", fmt(jobs.get(2)[1]), fmt(jobs.get(1)[1]),
                ratio(jobs.get(2)[1], jobs.get(1)[1]), "2 vs 1 executors; models cached in the executors"));
        lines.add(new Line("model loads per executor", fmt(loads.get(2) / 2.0), fmt(loads.get(1) / 1.0), "",
                encoders + " encoders; total " + loads.get(2) + " (2 exec) / " + loads.get(1) + " (1 exec)"));
        return lines;
    }

    /** The first {@code clips} rows by sample_id, validated by the ingest code, written as the job's manifest. */
    private List<Row> subset(String manifest) {
        SparkSession spark = SparkSession.builder().master("local[1]").appName("mer-spark-bench-prepare")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1").getOrCreate();
        try {
            Dataset<Row> accepted = new ManifestIngest(spark, settings.classes()).read(manifestCsv).accepted();
            Dataset<Row> first = accepted.orderBy(col("sample_id")).limit(clips);
            first.coalesce(1).write().mode(SaveMode.Overwrite).parquet(manifest);
            return spark.read().parquet(manifest).orderBy(col("sample_id")).collectAsList();
        } finally {
            LocalCluster.stop(spark);
        }
    }

    /** Encoder-level: decode once, then time batch B against batch 1 on the same inputs. */
    private List<Line> encoders(ExtractSpec spec, List<Row> rows) {
        List<List<float[]>> videos = new ArrayList<>();
        List<float[]> audios = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        long t0 = System.nanoTime();
        for (Row r : rows) {
            String video = r.getAs("video");
            String audio = r.getAs("audio");
            String text = r.getAs("text");
            try {
                if (video != null) {
                    videos.add(new VideoFrameSampler().sample(Paths.get(video), spec.framesPerClip(),
                            spec.frameSize()));
                    audios.add(new AudioDecoder().decodeMono16k(Paths.get(audio != null ? audio : video)));
                }
            } catch (MediaException e) {
                System.out.println("  skipped " + r.getAs("sample_id") + ": " + e.getMessage());
            }
            if (text != null && !text.isBlank()) {
                texts.add(text);
            }
        }
        System.out.printf(Locale.ROOT, "  decoded %d videos, %d audio tracks, %d texts in %.1f s%n", videos.size(),
                audios.size(), texts.size(), (System.nanoTime() - t0) / 1e9);
        List<Line> lines = new ArrayList<>();
        try (FaceExpressionEncoder face = new FaceExpressionEncoder(ModelFiles.resolve(spec.faceModel()), "cpu", 1)) {
            lines.add(encoderLine(Modality.VIDEO, videos, (in) -> {
                try (FaceExpressionEncoder.Session s = face.newSession()) {
                    return timeBatches(in, (List<List<float[]>> b) -> s.encode(b));
                }
            }));
        }
        try (SpeechEmbeddingEncoder speech = new SpeechEmbeddingEncoder(ModelFiles.resolve(spec.melModel()),
                ModelFiles.resolve(spec.speechModel()), "cpu", 1)) {
            lines.add(encoderLine(Modality.AUDIO, audios, (in) -> {
                try (SpeechEmbeddingEncoder.Session s = speech.newSession()) {
                    return timeBatches(in, (List<float[]> b) -> s.encode(b));
                }
            }));
        }
        try (SentenceEncoder text = SentenceEncoder.fromLocations(spec.textModel(), spec.textTokenizer(),
                spec.textMaxLength(), "cpu", 1)) {
            lines.add(encoderLine(Modality.TEXT, texts, (in) -> {
                try (SentenceEncoder.Session s = text.newSession()) {
                    return timeBatches(in, (List<String> b) -> s.encode(b, new LongAdder()));
                }
            }));
        }
        return lines;
    }

    private interface Encode<T> {
        List<Embedding> apply(List<T> batch) throws Exception;
    }

    private interface Timed<T> {
        double[] apply(Input<T> in) throws Exception;
    }

    private record Input<T>(List<T> items, int batch) {
    }

    private <T> Line encoderLine(Modality m, List<T> items, Timed<T> timed) {
        try {
            timed.apply(new Input<>(items.subList(0, Math.min(items.size(), batch)), batch)); // warm-up
            double[] batched = timed.apply(new Input<>(items, batch));
            double[] single = timed.apply(new Input<>(items, 1));
            double rb = items.size() / batched[0];
            double r1 = items.size() / single[0];
            System.out.printf(Locale.ROOT, "  %s encoder: batch %d %.2f s, batch 1 %.2f s for %d inputs%n", m.key(),
                    batch, batched[0], single[0], items.size());
            String note = switch (m) {
                case VIDEO -> "frames of all clips in one [N,3,112,112] tensor";
                case AUDIO -> "mel per clip; windows of all clips in one batch";
                case TEXT -> "not batched on purpose (quantised MiniLM: batch-dependent vectors)";
            };
            return new Line(m.key() + " encoder (items/s)", fmt(rb), fmt(r1), ratio(rb, r1),
                    "batch " + batch + " vs 1; " + note);
        } catch (Exception e) {
            throw new IllegalStateException(m.key() + " encoder benchmark failed: " + e, e);
        }
    }

    private <T> double[] timeBatches(Input<T> in, Encode<T> encode) throws Exception {
        long t0 = System.nanoTime();
        for (int from = 0; from < in.items().size(); from += in.batch()) {
            encode.apply(in.items().subList(from, Math.min(in.items().size(), from + in.batch())));
        }
        return new double[] {(System.nanoTime() - t0) / 1e9};
    }

    /** The report table. */
    public static String table(List<Line> lines) {
        StringBuilder sb = new StringBuilder();
        String format = "%-30s %12s %12s %8s  %s%n";
        sb.append(String.format(Locale.ROOT, format, "measure", "batched/2ex", "single/1ex", "ratio", "note"));
        for (Line l : lines) {
            sb.append(String.format(Locale.ROOT, format, l.what(), l.a(), l.b(), l.ratio(), l.note()));
        }
        return sb.toString();
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String ratio(double a, double b) {
        return String.format(Locale.ROOT, "%.2fx", a / b);
    }

    static void deleteQuietly(Path dir) {
        try {
            if (Files.exists(dir)) {
                org.apache.commons.io.FileUtils.deleteDirectory(dir.toFile());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
