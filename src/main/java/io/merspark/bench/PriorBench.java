package io.merspark.bench;

import io.merspark.evaluate.ClassificationMetrics;
import io.merspark.evaluate.ConfusionCounter;
import io.merspark.pipeline.JobContext;
import io.merspark.pipeline.PriorEvaluation;
import io.merspark.prior.LabelShiftEstimator;
import io.merspark.prior.PriorCorrection;
import io.merspark.prior.Priors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.apache.spark.sql.functions.col;

/**
 * Label-shift correction on real predictions: the round's test predictions are resampled (with replacement)
 * to a shifted class prior, and WAF is measured before correction and after correction with the true prior,
 * the EM estimate and the BBSE estimate (the ensemble's out-of-fold confusion). Several resamples, one table.
 */
public final class PriorBench {

    /** The MER2024 test proportions used in the README (neutral, angry, happy, sad, worried, surprise). */
    public static final double[] MER2024_TEST = {0.20, 0.20, 0.20, 0.25, 0.05, 0.10};

    private final JobContext ctx;

    public PriorBench(JobContext ctx) {
        this.ctx = ctx;
    }

    public void run(int round, double[] target, int rows, int resamples, PrintStream out) {
        List<String> classes = ctx.settings().classes();
        Dataset<Row> predictions = ctx.spark().read().parquet(ctx.layout().predictions(round))
                .select("sample_id", "label", "probs").cache();
        double[] train = Priors.fromLabels(ctx.spark().read().parquet(ctx.layout().manifest())
                .where(col("split").equalTo("train")), "label", classes);
        long[][] validation = new io.merspark.pipeline.RoundStages(ctx).validationConfusion(round);
        List<Row> base = predictions.collectAsList();   // the bundled test split: 143 rows
        double[][] results = new double[resamples][];
        double[] emL1 = new double[resamples];
        double[] bbseL1 = new double[resamples];
        double[] lastEm = null;
        double[] lastBbse = null;
        for (int r = 0; r < resamples; r++) {
            Dataset<Row> shifted = resample(base, classes, target, rows, new Random(1000L + r), predictions);
            double[] truePrior = Priors.fromLabels(shifted, "label", classes);
            double[] em = LabelShiftEstimator.em(shifted, "probs", train, 1e-6, 500);
            Dataset<Row> withPred = shifted.withColumn("pred", org.apache.spark.sql.functions.expr(
                    "array_position(probs, array_max(probs)) - 1").cast("int"));
            double[] bbse = validation == null ? null : PriorEvaluation.smoothed(LabelShiftEstimator.bbse(validation,
                    LabelShiftEstimator.predictedDistribution(withPred, "pred", classes.size())));
            results[r] = new double[] {
                    waf(withPred, "pred", classes),
                    waf(correct(shifted, train, truePrior), "corrected_pred", classes),
                    waf(correct(shifted, train, PriorEvaluation.smoothed(em)), "corrected_pred", classes),
                    bbse == null ? Double.NaN : waf(correct(shifted, train, bbse), "corrected_pred", classes)};
            emL1[r] = Priors.l1(em, truePrior);
            bbseL1[r] = bbse == null ? Double.NaN : Priors.l1(bbse, truePrior);
            lastEm = em;
            lastBbse = bbse;
        }
        predictions.unpersist();
        out.printf("Prior correction on round %d test predictions resampled to %s (%d rows, %d resamples)%n",
                round, fmtPrior(target), rows, resamples);
        out.printf("%-34s %s%n", "", "WAF mean ± sd");
        String[] names = {"no correction", "corrected with the true prior", "corrected with EM estimate",
                "corrected with BBSE estimate"};
        for (int i = 0; i < names.length; i++) {
            final int k = i;
            double[] v = java.util.Arrays.stream(results).mapToDouble(x -> x[k]).toArray();
            out.printf("%-34s %.4f ± %.4f%n", names[i], mean(v), sd(v));
        }
        out.printf("L1(EM estimate, true prior)   %.4f ± %.4f%n", mean(emL1), sd(emL1));
        out.printf("L1(BBSE estimate, true prior) %.4f ± %.4f%n", mean(bbseL1), sd(bbseL1));
        out.printf("train prior      %s%ntarget prior     %s%nEM (last)        %s%nBBSE (last)      %s%n",
                fmtPrior(train), fmtPrior(target), fmtPrior(lastEm), lastBbse == null ? "-" : fmtPrior(lastBbse));
    }

    private Dataset<Row> resample(List<Row> base, List<String> classes, double[] target, int rows, Random rng,
                                  Dataset<Row> like) {
        List<Row> out = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            String cls = classes.get(c);
            List<Row> pool = base.stream().filter(r -> cls.equals(r.getString(1))).toList();
            long n = Math.round(rows * target[c]);
            for (int i = 0; i < n && !pool.isEmpty(); i++) {
                out.add(pool.get(rng.nextInt(pool.size())));
            }
        }
        return ctx.spark().createDataFrame(out, like.schema());
    }

    private static Dataset<Row> correct(Dataset<Row> df, double[] train, double[] target) {
        return new PriorCorrection().setProbsCol("probs").setTrainPrior(train).setTargetPrior(target).transform(df);
    }

    private static double waf(Dataset<Row> df, String predCol, List<String> classes) {
        return ClassificationMetrics.fromConfusion(ConfusionCounter.confusion(df, "label", predCol, classes)).waf();
    }

    private static double mean(double[] v) {
        return java.util.Arrays.stream(v).average().orElse(Double.NaN);
    }

    private static double sd(double[] v) {
        double m = mean(v);
        return Math.sqrt(java.util.Arrays.stream(v).map(x -> (x - m) * (x - m)).sum() / Math.max(1, v.length - 1));
    }

    private static String fmtPrior(double[] p) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < p.length; i++) {
            b.append(i == 0 ? "" : ", ").append(String.format(java.util.Locale.ROOT, "%.3f", p[i]));
        }
        return b.append(']').toString();
    }
}
