package io.merspark.select;

import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * FlexMatch's curriculum pseudo-labelling thresholds: {@code tau_c = M(beta_c) * tau}, where the learning
 * effect {@code beta_c = sigma_c / max_c' sigma_c'} and {@code sigma_c} counts the rows predicted as
 * {@code c} with confidence above {@code tau}. A row is kept when its confidence is at least {@code tau_pred}.
 *
 * <p>The mapping {@code M} defaults to the paper's convex {@code x / (2 - x)}: it keeps thresholds of
 * well-learned classes near {@code tau} and lowers those of hard classes faster than the linear
 * {@code M(x) = x}, which is available as {@code mapping = "linear"}. With {@code warmup} the denominator also
 * includes the rows with no confident prediction, {@code max(max_c sigma_c, N - sum_c sigma_c)}, the paper's
 * threshold warm-up, so thresholds stay low while most of the pool is unconfident.
 *
 * <p>A class without any confident row keeps {@code tau}. The paper's formula gives it {@code M(0) * tau = 0}:
 * in its online setting that is the start of a curriculum, corrected every iteration, but over a scored pool
 * taken once per round it accepts every prediction of the class at weight 1, and a class the model has not
 * learned at all is the last one whose guesses should be trusted. Lowering a threshold needs evidence of
 * learning, so {@code beta_c} only scales classes with {@code sigma_c > 0} (with no confident row at all,
 * warm-up or not, every class keeps {@code tau}).
 *
 * <p>The counts come from one aggregation over the filter's input (the whole scored pool), collected as a
 * single row of {@code C + 1} longs.
 */
public final class FlexMatchThresholdFilter extends PseudoLabelFilter<FlexMatchThresholdFilter> {

    public static final String CONVEX = "convex";
    public static final String LINEAR = "linear";

    private final DoubleParam threshold;
    private final Param<String> mapping;
    private final BooleanParam warmup;

    public FlexMatchThresholdFilter() {
        this(Identifiable$.MODULE$.randomUID("flexMatchThresholdFilter"));
    }

    public FlexMatchThresholdFilter(String uid) {
        super(uid, "flexmatch");
        threshold = new DoubleParam(this, "threshold", "upper threshold tau of the best-learned class, in [0, 1]",
                ParamValidators.inRange(0.0, 1.0));
        mapping = new Param<>(this, "mapping", "learning effect to threshold scale: convex (x / (2 - x)) or linear",
                ParamValidators.inArray(new String[] {CONVEX, LINEAR}));
        warmup = new BooleanParam(this, "warmup", "count unconfident rows in the normaliser (threshold warm-up)");
        setDefault(threshold, 0.95);
        setDefault(mapping, CONVEX);
        setDefault(warmup, false);
    }

    public DoubleParam threshold() {
        return threshold;
    }

    public double getThreshold() {
        return (Double) $(threshold);
    }

    public FlexMatchThresholdFilter setThreshold(double value) {
        set(threshold, value);
        return this;
    }

    public Param<String> mapping() {
        return mapping;
    }

    public String getMapping() {
        return $(mapping);
    }

    public FlexMatchThresholdFilter setMapping(String value) {
        set(mapping, value);
        return this;
    }

    public BooleanParam warmup() {
        return warmup;
    }

    public boolean getWarmup() {
        return (Boolean) $(warmup);
    }

    public FlexMatchThresholdFilter setWarmup(boolean value) {
        set(warmup, value);
        return this;
    }

    /** The per-class thresholds this filter applies to {@code scores}, aligned with {@code classes}. */
    public double[] classThresholds(Dataset<?> scores) {
        transformSchema(scores.schema());
        DataType confidenceType = scores.schema().apply(getConfidenceCol()).dataType();
        int k = getClasses().length;
        // compared in the confidence column's own type, like the acceptance test
        Column confident = col(getConfidenceCol()).gt(thresholdLiteral(getThreshold(), confidenceType));
        List<Column> counts = new ArrayList<>();
        counts.add(count(lit(1)));
        for (int c = 0; c < k; c++) {
            counts.add(sum(when(confident.and(col(getPredictionCol()).equalTo(c)), 1L).otherwise(0L)));
        }
        Row row = scores.toDF().agg(counts.get(0), counts.subList(1, counts.size()).toArray(Column[]::new)).head();
        long total = row.getLong(0);
        long[] sigma = new long[k];
        for (int c = 0; c < k; c++) {
            sigma[c] = row.isNullAt(c + 1) ? 0 : row.getLong(c + 1);
        }
        return thresholds(sigma, total);
    }

    /** {@code M(beta_c) * tau} from the confident counts {@code sigma} among {@code total} rows. */
    double[] thresholds(long[] sigma, long total) {
        long confidentRows = 0;
        long maxSigma = 0;
        for (long s : sigma) {
            confidentRows += s;
            maxSigma = Math.max(maxSigma, s);
        }
        long normaliser = getWarmup() ? Math.max(maxSigma, total - confidentRows) : maxSigma;
        double[] out = new double[sigma.length];
        for (int c = 0; c < sigma.length; c++) {
            // no confident row: no evidence the class is being learned, so no lowering
            double beta = sigma[c] == 0 ? 1.0 : (double) sigma[c] / normaliser;
            out[c] = map(beta) * getThreshold();
        }
        return out;
    }

    private double map(double beta) {
        return CONVEX.equals(getMapping()) ? beta / (2.0 - beta) : beta;
    }

    @Override
    protected Column acceptance(Dataset<Row> scores, Column confidence, DataType confidenceType,
                                Column classIndex) {
        return meetsClassThreshold(classThresholds(scores), confidence, confidenceType, classIndex);
    }

    @Override
    protected void validateStrategy(StructType schema) {
        // threshold and mapping are enforced by their Param validators
    }

    public static MLReader<FlexMatchThresholdFilter> read() {
        return new DefaultParamsReader<>();
    }

    public static FlexMatchThresholdFilter load(String path) {
        return read().load(path);
    }
}
