package io.merspark.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.merspark.config.Settings;
import io.merspark.ingest.ManifestColumns;
import io.merspark.io.Layout;
import io.merspark.pipeline.TrainingSet;
import io.merspark.train.EpochPhases;
import io.merspark.train.FusionEnsemble;
import io.merspark.train.FusionSample;
import io.merspark.train.FusionTrainer;
import io.merspark.train.TokenCache;
import io.merspark.train.TrainSpec;
import org.apache.spark.sql.SparkSession;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * {@code bench train}: the AGT's training epoch time in DJL on the train split of an extracted root, the same
 * architecture and batches in PyTorch (scripts/bench_train_pytorch.py over the features exported as .npy)
 * where python3-torch is installed, their ratio, and the driver's peak heap while a k-fold AGT ensemble
 * trains from the streamed token cache.
 */
public final class TrainBench {

    /** The figures the bench prints. */
    public record Figures(int rows, double djlEpochSeconds, double pytorchEpochSeconds, double ratio,
                          long cacheBytes, long peakHeapBytes, double waf) {
    }

    private final SparkSession spark;
    private final Settings settings;

    public TrainBench(SparkSession spark, Settings settings) {
        this.spark = spark;
        this.settings = ModelBench.withModel(settings, "agt");
    }

    /**
     * @param warmup untimed epochs before the timed ones, for each framework
     * @param epochs timed epochs for each framework
     * @param pairs  DJL then PyTorch blocks of warm-up + timed epochs, alternated this many times
     * @param work   folder for the token cache and the exported .npy files
     */
    public Figures run(String root, int warmup, int epochs, int pairs, Path work, Path script, PrintStream out) {
        if (warmup < 1 || epochs < 1 || pairs < 1) {
            throw new IllegalArgumentException("need at least one warm-up epoch, one timed epoch and one pair, got "
                    + warmup + ", " + epochs + " and " + pairs);
        }
        Layout layout = BenchData.layout(root);
        FusionTrainer.useThreads(settings.train().threads());
        List<String> modalities = settings.extract().modalities();
        try {
            Files.createDirectories(work);
            System.gc();
            long heapBefore = usedHeap();
            resetPeaks();
            try (TokenCache cache = TrainingSet.spill(BenchData.split(spark, layout, ManifestColumns.TRAIN, modalities),
                    settings.classes(), modalities, work.resolve("train.tokens"))) {
                int[] dims = ModelBench.dims(cache.read(IntStream.range(0, cache.size()).toArray()), modalities.size(), true);
                TrainSpec spec = TrainingSet.spec(settings, modalities, dims, settings.roundSeed(1));
                out.printf(Locale.ROOT, "AGT: %d train rows, token cache %.1f MB on disk, width %d, heads %d, layers %d,"
                                + " batch %d, device %s%n", cache.size(), cache.bytes() / 1e6, spec.hidden(), spec.heads(),
                        spec.layers(), spec.batchSize(), spec.device());

                // The k-fold training as the round runs it, streaming from the cache: driver heap peak.
                double waf;
                long t0 = System.nanoTime();
                try (FusionEnsemble ensemble = new FusionTrainer().train(cache, spec)) {
                    waf = ensemble.meanValidationWaf();
                }
                long peak = peakHeap();
                out.printf(Locale.ROOT, "k-fold training (%d folds): %.1f s, mean validation WAF %.4f; driver heap: %.0f MB"
                                + " before, peak %.0f MB during training%n", spec.folds(), (System.nanoTime() - t0) / 1e9,
                        waf, heapBefore / 1e6, peak / 1e6);

                exportNpy(cache, spec, work);
                // DJL and PyTorch alternate, pair after pair, so a drift of the machine falls on both sides alike;
                // each pair's ratio is one sample, their median the figure.
                double[] djlEpochs = new double[pairs];
                double[] djlCpus = new double[pairs];
                double[] torchEpochs = new double[pairs];
                double[] torchCpus = new double[pairs];
                double[] ratios = new double[pairs];
                int done = 0;
                for (int p = 0; p < pairs; p++) {
                    EpochPhases phases = new EpochPhases();
                    double[] djl = new FusionTrainer().epochSeconds(cache, spec, warmup, epochs, phases);
                    djlEpochs[p] = median(Arrays.copyOfRange(djl, warmup, djl.length));
                    djlCpus[p] = phases.cpuSeconds() / epochs;
                    out.printf(Locale.ROOT, "pair %d: DJL     epoch time: %.3f s (median of %d epochs after %d warm-up; all %s)%n",
                            p + 1, djlEpochs[p], epochs, warmup, fmt(djl));
                    out.printf(Locale.ROOT, "pair %d: DJL     training thread CPU per epoch: %.3f s: %s%n", p + 1, djlCpus[p],
                            phases.perEpoch(epochs));
                    double[] torch = pytorch(script, work, warmup, epochs, settings.train().threads(), out);
                    torchEpochs[p] = torch[0];
                    torchCpus[p] = torch[1];
                    ratios[p] = djlEpochs[p] / torchEpochs[p];
                    done++;
                    if (Double.isNaN(ratios[p])) {
                        break;                                   // no PyTorch here: one DJL block is the figure
                    }
                }
                // only the pairs that ran: without PyTorch that is the first DJL block alone
                djlEpochs = Arrays.copyOf(djlEpochs, done);
                djlCpus = Arrays.copyOf(djlCpus, done);
                torchEpochs = Arrays.copyOf(torchEpochs, done);
                torchCpus = Arrays.copyOf(torchCpus, done);
                ratios = Arrays.copyOf(ratios, done);
                double djlEpoch = median(djlEpochs);
                double torchEpoch = median(torchEpochs);
                double ratio = median(ratios);
                if (!Double.isNaN(ratio)) {
                    double[] cpuRatios = new double[done];
                    for (int p = 0; p < done; p++) {
                        cpuRatios[p] = djlCpus[p] / torchCpus[p];
                    }
                    out.printf(Locale.ROOT, "epoch time, median of %d alternating pairs: DJL %.3f s, PyTorch %.3f s;"
                                    + " DJL / PyTorch = %.2fx (pairs %s; goal <= 1.25x)%n", pairs, djlEpoch, torchEpoch,
                            ratio, fmt(ratios));
                    out.printf(Locale.ROOT, "training thread CPU per epoch: DJL %.3f s, PyTorch %.3f s; DJL / PyTorch = %.2fx"
                            + " (pairs %s)%n", median(djlCpus), median(torchCpus), median(cpuRatios), fmt(cpuRatios));
                }
                return new Figures(cache.size(), djlEpoch, torchEpoch, ratio, cache.bytes(), peak, waf);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Padded tokens, masks and labels per modality, plus the spec, for the PyTorch script. */
    private static void exportNpy(TokenCache cache, TrainSpec spec, Path dir) throws IOException {
        int n = cache.size();
        int[] dims = spec.inputDims();
        int[] maxTokens = spec.maxTokens();
        List<FusionSample> rows = cache.read(IntStream.range(0, n).toArray());
        for (int m = 0; m < dims.length; m++) {
            int t = maxTokens[m];
            float[] tokens = new float[n * t * dims[m]];
            float[] mask = new float[n * t];
            for (int i = 0; i < n; i++) {
                float[][] seq = rows.get(i).tokens()[m];
                if (seq == null) {
                    continue;
                }
                for (int k = 0; k < Math.min(t, seq.length); k++) {
                    System.arraycopy(seq[k], 0, tokens, (i * t + k) * dims[m], dims[m]);
                    mask[i * t + k] = 1f;
                }
            }
            String name = spec.modalities().get(m);
            NpyWriter.floats(dir.resolve(name + "_tokens.npy"), tokens, n, t, dims[m]);
            NpyWriter.floats(dir.resolve(name + "_mask.npy"), mask, n, t);
        }
        NpyWriter.longs(dir.resolve("labels.npy"), rows.stream().mapToLong(FusionSample::label).toArray(), n);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("modalities", spec.modalities());
        config.put("classes", spec.numClasses());
        config.put("width", spec.hidden());
        config.put("heads", spec.heads());
        config.put("layers", spec.layers());
        config.put("dropout", spec.dropout());
        config.put("modality_dropout", spec.modalityDropout());
        config.put("batch_size", spec.batchSize());
        config.put("learning_rate", spec.learningRate());
        config.put("weight_decay", spec.weightDecay());
        config.put("seed", spec.seed());
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), config);
    }

    /**
     * Runs the PyTorch twin: its median epoch wall time and its training thread's CPU time per epoch; NaN
     * (with a hint) when python3 or torch is not installed.
     */
    private static double[] pytorch(Path script, Path dir, int warmup, int epochs, int threads, PrintStream out) {
        // Debian's python3-torch lives under the system interpreter, whatever python3 is first on the PATH.
        String python = System.getenv().getOrDefault("MER_PYTHON",
                Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3");
        ProcessBuilder pb = new ProcessBuilder(python, script.toString(), "--dir", dir.toString(),
                "--warmup", String.valueOf(warmup), "--epochs", String.valueOf(epochs), "--threads", String.valueOf(threads)).redirectErrorStream(true);
        // torch.set_num_threads does not reach the BLAS's own pool: hold OpenBLAS to the same thread count.
        pb.environment().putIfAbsent("OPENBLAS_NUM_THREADS", String.valueOf(threads));
        try {
            Process p = pb.start();
            StringBuilder text = new StringBuilder();
            String result = null;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    text.append(line).append('\n');
                    if (line.startsWith("RESULT ")) {
                        result = line.substring(7);
                    }
                }
            }
            int rc = p.waitFor();
            if (rc != 0 || result == null) {
                out.println("PyTorch reference not run (exit " + rc + "): " + text.toString().strip());
                return new double[] {Double.NaN, Double.NaN};
            }
            out.print(text);
            var json = new ObjectMapper().readTree(result);
            return new double[] {json.get("epoch_seconds").asDouble(), json.get("cpu_seconds").asDouble()};
        } catch (IOException e) {
            out.println("PyTorch reference not run: " + e.getMessage());
            return new double[] {Double.NaN, Double.NaN};
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new double[] {Double.NaN, Double.NaN};
        }
    }

    private static long usedHeap() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void resetPeaks() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    /** Sum of the heap pools' peaks since the last reset (an upper bound: pools peak at different times). */
    private static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String fmt(double[] v) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            b.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", v[i]));
        }
        return b.append("]").toString();
    }
}
