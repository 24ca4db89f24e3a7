package io.merspark.bench;

import io.merspark.config.Settings;
import io.merspark.evaluate.ClassificationMetrics;
import io.merspark.io.Layout;
import io.merspark.ingest.ManifestColumns;
import io.merspark.pipeline.TrainingSet;
import io.merspark.train.FusionEnsemble;
import io.merspark.train.FusionSample;
import io.merspark.train.FusionTrainer;
import io.merspark.train.TrainSpec;
import org.apache.spark.sql.SparkSession;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Test-split WAF of every fusion model on an extracted root: for each model and seed, the k-fold ensemble
 * is trained on the labelled train split (gold labels only) and evaluated on the test split. Prints a table
 * of mean ± sample standard deviation over the seeds. Reads the root; writes nothing.
 */
public final class ModelBench {

    /** Mean and sample standard deviation of one model's WAFs and accuracies over the seeds. */
    public record Result(String model, double[] waf, double[] accuracy, double seconds) {
        public double mean(double[] v) {
            return java.util.Arrays.stream(v).average().orElse(Double.NaN);
        }

        public double sd(double[] v) {
            double mu = mean(v);
            return v.length < 2 ? 0 : Math.sqrt(java.util.Arrays.stream(v).map(x -> (x - mu) * (x - mu)).sum() / (v.length - 1));
        }
    }

    private final SparkSession spark;
    private final Settings settings;

    public ModelBench(SparkSession spark, Settings settings) {
        this.spark = spark;
        this.settings = settings;
    }

    public Map<String, Result> run(String root, List<String> models, int seeds, PrintStream out) {
        Layout layout = BenchData.layout(root);
        FusionTrainer.useThreads(settings.train().threads());
        List<String> all = settings.extract().modalities();
        List<FusionSample> train = BenchData.samples(spark, layout, ManifestColumns.TRAIN, settings.classes(), all);
        List<FusionSample> test = BenchData.samples(spark, layout, ManifestColumns.TEST, settings.classes(), all);
        out.printf(Locale.ROOT, "train %d rows, test %d rows, %d seeds, %d folds%n", train.size(), test.size(),
                seeds, settings.train().folds());
        Map<String, Result> results = new LinkedHashMap<>();
        for (String model : models) {
            Settings s = withModel(settings, model);
            List<String> mods = s.train().modalities(all);
            List<FusionSample> tr = present(train.stream().map(x -> BenchData.restrict(x, all, mods)).toList(), mods.size());
            List<FusionSample> te = test.stream().map(x -> BenchData.restrict(x, all, mods)).toList();
            int[] dims = dims(tr, mods.size(), s.train().isAgt());
            double[] waf = new double[seeds];
            double[] acc = new double[seeds];
            long t0 = System.nanoTime();
            for (int seed = 0; seed < seeds; seed++) {
                TrainSpec spec = TrainingSet.spec(s, mods, dims, s.roundSeed(seed + 1));
                try (FusionEnsemble ensemble = new FusionTrainer().train(tr, spec)) {
                    float[][] logits = ensemble.predictSampleLogits(te);
                    int[] truth = te.stream().mapToInt(FusionSample::label).toArray();
                    int[] pred = new int[logits.length];
                    for (int i = 0; i < logits.length; i++) {
                        pred[i] = io.merspark.evaluate.ClassificationMetrics.argmax(logits[i]);
                    }
                    ClassificationMetrics m = ClassificationMetrics.fromLabels(truth, pred, spec.numClasses());
                    waf[seed] = m.waf();
                    acc[seed] = m.accuracy();
                }
                out.printf(Locale.ROOT, "  %-9s seed %d: test WAF %.4f acc %.4f%n", model, seed + 1, waf[seed], acc[seed]);
            }
            results.put(model, new Result(model, waf, acc, (System.nanoTime() - t0) / 1e9));
        }
        out.println();
        out.println("| model | test WAF (mean ± sd) | test accuracy (mean ± sd) | train+eval time |");
        out.println("|---|---|---|---|");
        for (Result r : results.values()) {
            out.printf(Locale.ROOT, "| %s | %.4f ± %.4f | %.4f ± %.4f | %.0f s |%n", r.model(), r.mean(r.waf()),
                    r.sd(r.waf()), r.mean(r.accuracy()), r.sd(r.accuracy()), r.seconds());
        }
        return results;
    }

    static Settings withModel(Settings s, String model) {
        Settings.TrainSettings t = s.train();
        Settings.TrainSettings changed = new Settings.TrainSettings(model, t.folds(), t.maxEpochs(), t.batchSize(),
                t.learningRate(), t.weightDecay(), t.hidden(), t.dropout(), t.patience(), t.device(),
                t.modalityDropout(), t.loss(), t.threads(), t.agt(), t.pseudoBudget(), t.logreg(),
                t.foldPlacement(), t.stopOn(), t.repeats(), t.labelSmoothing(), t.inputNoise(), t.warmStart(),
                t.groupNorm(), t.groupNormMinClips());
        return new Settings(s.classes(), s.seed(), s.root(), s.spark(), s.manifest(), s.extract(), changed,
                s.select(), s.truth(), s.prior(), s.minFreeBytes(), s.rendered());
    }

    private static List<FusionSample> present(List<FusionSample> rows, int modalities) {
        List<FusionSample> out = new ArrayList<>();
        for (FusionSample s : rows) {
            for (int m = 0; m < modalities; m++) {
                if (s.has(m)) {
                    out.add(s);
                    break;
                }
            }
        }
        return out;
    }

    static int[] dims(List<FusionSample> rows, int modalities, boolean tokens) {
        int[] dims = new int[modalities];
        for (FusionSample s : rows) {
            for (int m = 0; m < modalities; m++) {
                if (dims[m] == 0 && s.has(m)) {
                    dims[m] = tokens ? s.tokens()[m][0].length : s.features()[m].length;
                }
            }
        }
        return dims;
    }
}
