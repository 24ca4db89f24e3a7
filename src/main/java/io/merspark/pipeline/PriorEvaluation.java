package io.merspark.pipeline;

import io.merspark.config.Settings;
import io.merspark.evaluate.ClassificationMetrics;
import io.merspark.evaluate.ConfusionCounter;
import io.merspark.ingest.ManifestColumns;
import io.merspark.prior.LabelShiftEstimator;
import io.merspark.prior.PriorVoting;
import io.merspark.prior.Priors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;

/**
 * Label-shift correction at evaluation: the training prior, the target prior (given, or estimated from the
 * test scores by EM and by BBSE), and prior-knowledge voting of the ensemble members under the chosen
 * target. The voted label is the round's final prediction; metrics are reported before and after.
 */
public final class PriorEvaluation {

    /**
     * Priors are class-ordered; {@code bbse} is null when no validation confusion is available; {@code truth} is the
     * test labels' own prior, what the estimates are judged against; {@code trainSource} says where {@code train}
     * came from.
     */
    public record Result(double[] train, double[] target, double[] em, double[] bbse, double[] truth,
                         String trainSource, ClassificationMetrics corrected, Dataset<Row> voted) {

        public Map<String, Object> priorJson(List<String> classes) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("train", byClass(classes, train));
            m.put("train_source", trainSource);
            m.put("target", byClass(classes, target));
            m.put("estimated_em", byClass(classes, em));
            m.put("estimated_bbse", bbse == null ? null : byClass(classes, bbse));
            m.put("true", byClass(classes, truth));
            m.put("l1_em", Priors.l1(em, truth));
            m.put("l1_bbse", bbse == null ? null : Priors.l1(bbse, truth));
            return m;
        }

        public Map<String, Object> correctedJson(List<String> classes) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("waf", corrected.waf());
            m.put("accuracy", corrected.accuracy());
            m.put("macro_f1", corrected.macroF1());
            m.put("per_class_f1", byClass(classes, corrected.perClassF1()));
            m.put("confusion", Json.object("classes", classes, "matrix", corrected.confusion()));
            return m;
        }
    }

    private PriorEvaluation() {
    }

    /**
     * @param scored test rows with {@code label} (class name), {@code probs}, {@code member_probs}, {@code pred} (index)
     * @param validationConfusion out-of-fold confusion of the ensemble on gold rows ({@code [truth][pred]}), or null
     * @param effectiveTrainPrior the distribution the model was trained on (gold + weighted pseudo-labels, recorded
     *                            in train.json), or null for a model that did not record it: then the gold train split's
     */
    public static Result run(JobContext ctx, Dataset<Row> scored, long[][] validationConfusion,
                             double[] effectiveTrainPrior) {
        Settings s = ctx.settings();
        List<String> classes = s.classes();
        String trainSource = effectiveTrainPrior != null ? "gold + weighted pseudo-labels" : "gold train split";
        double[] train = smoothed(effectiveTrainPrior != null ? effectiveTrainPrior
                : Priors.fromLabels(ctx.spark().read().parquet(ctx.layout().manifest())
                .where(col(ManifestColumns.SPLIT).equalTo(ManifestColumns.TRAIN)), "label", classes));
        double[] truth = Priors.fromLabels(scored, "label", classes);
        Settings.PriorSettings p = s.prior();
        double[] em = LabelShiftEstimator.em(scored, "probs", train, p.emTolerance(), p.emMaxIterations());
        double[] bbse = validationConfusion == null ? null : smoothed(LabelShiftEstimator.bbse(validationConfusion,
                LabelShiftEstimator.predictedDistribution(scored, "pred", classes.size())));
        double[] target = switch (p.target()) {
            case "given" -> p.given().stream().mapToDouble(Double::doubleValue).toArray();
            case "em" -> smoothed(em);
            case "bbse" -> {
                if (bbse == null) {
                    throw new IllegalStateException("mer.evaluate.prior.target = bbse needs the model's out-of-fold"
                            + " validation confusion, which this model directory does not record");
                }
                yield bbse;
            }
            default -> train;
        };
        Dataset<Row> voted = new PriorVoting().setMemberProbsCol("member_probs").setOutputCol("voted_pred")
                .setTrainPrior(train).setTargetPrior(target).transform(scored);
        ClassificationMetrics corrected = ClassificationMetrics.fromConfusion(
                ConfusionCounter.confusion(voted, "label", "voted_pred", classes));
        return new Result(train, target, em, bbse, truth, trainSource, corrected, voted);
    }

    /**
     * Correction divides by the prior, so a class that is absent from the labels (or estimated at 0)
     * gets a floor instead of a zero: add-epsilon smoothing, then renormalise.
     */
    public static double[] smoothed(double[] prior) {
        double[] out = Arrays.copyOf(prior, prior.length);
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.max(out[i], 1e-3);
        }
        return Priors.normalise(out);
    }

    private static Map<String, Double> byClass(List<String> classes, double[] v) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < classes.size(); i++) {
            m.put(classes.get(i), v[i]);
        }
        return m;
    }
}
