package io.merspark.select;

import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.exp;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.var_pop;
import static org.apache.spark.sql.functions.when;

/**
 * SoftMatch's truncated Gaussian sample weight: {@code weight = 1} when {@code confidence >= mu}, else
 * {@code exp(-(confidence - mu)^2 / (2 sigma^2))}.
 *
 * <p>{@code mu} and {@code sigma^2} are the mean and population variance of the confidence over the input,
 * unless both {@code mean} and {@code variance} are set. The statistics come from one aggregation joined
 * back as a broadcast single row, so the transform stays lazy and nothing reaches the driver.
 * Run it over the whole scored pool (as SoftMatch does) before a {@link PseudoLabelFilter}, which keeps
 * the weight. An existing {@code weight} column is replaced.
 */
public final class SoftMatchWeighting extends Transformer implements DefaultParamsWritable {

    private static final String MU = "__softmatch_mu";
    private static final String VAR = "__softmatch_var";

    private final String uid;
    private final Param<String> confidenceCol;
    private final DoubleParam mean;
    private final DoubleParam variance;

    public SoftMatchWeighting() {
        this(Identifiable$.MODULE$.randomUID("softMatchWeighting"));
    }

    public SoftMatchWeighting(String uid) {
        this.uid = uid;
        confidenceCol = new Param<>(this, "confidenceCol", "column with the top-class probability");
        mean = new DoubleParam(this, "mean", "fixed mu of the Gaussian; computed from the input when unset",
                ParamValidators.inRange(0.0, 1.0));
        variance = new DoubleParam(this, "variance",
                "fixed sigma^2 of the Gaussian (> 0); computed from the input when unset", ParamValidators.gt(0.0));
        setDefault(confidenceCol, "confidence");
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> confidenceCol() {
        return confidenceCol;
    }

    public String getConfidenceCol() {
        return $(confidenceCol);
    }

    public SoftMatchWeighting setConfidenceCol(String value) {
        set(confidenceCol, value);
        return this;
    }

    public DoubleParam mean() {
        return mean;
    }

    public double getMean() {
        return (Double) $(mean);
    }

    public SoftMatchWeighting setMean(double value) {
        set(mean, value);
        return this;
    }

    public DoubleParam variance() {
        return variance;
    }

    public double getVariance() {
        return (Double) $(variance);
    }

    public SoftMatchWeighting setVariance(double value) {
        set(variance, value);
        return this;
    }

    private boolean fixedStatistics() {
        return isSet(mean) && isSet(variance);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        if (isSet(mean) != isSet(variance)) {
            throw new IllegalArgumentException(uid + ": set both 'mean' and 'variance', or neither");
        }
        SchemaChecks.requireNumeric(schema, getConfidenceCol());
        StructType kept = new StructType(Arrays.stream(schema.fields())
                .filter(f -> !f.name().equals(PseudoLabelColumns.WEIGHT))
                .toArray(org.apache.spark.sql.types.StructField[]::new));
        // nullable: a null confidence gives a null weight (and a filter drops the row)
        return kept.add(PseudoLabelColumns.WEIGHT, DataTypes.DoubleType, true);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        transformSchema(dataset.schema(), true);
        Dataset<Row> input = dataset.toDF().drop(PseudoLabelColumns.WEIGHT);
        Column confidence = col(getConfidenceCol()).cast(DataTypes.DoubleType);
        if (fixedStatistics()) {
            return input.withColumn(PseudoLabelColumns.WEIGHT, weight(confidence, lit(getMean()), lit(getVariance())));
        }
        Dataset<Row> stats = input.agg(avg(confidence).as(MU), var_pop(confidence).as(VAR));
        return input.crossJoin(broadcast(stats))
                .withColumn(PseudoLabelColumns.WEIGHT, weight(confidence, col(MU), col(VAR)))
                .drop(MU, VAR);
    }

    /** A zero variance means every confidence equals mu (up to rounding of the mean): all weights are 1. */
    private static Column weight(Column confidence, Column mu, Column var) {
        Column gaussian = exp(confidence.minus(mu).multiply(confidence.minus(mu)).divide(var.multiply(-2.0)));
        return when(confidence.geq(mu).or(var.leq(0.0)), lit(1.0)).otherwise(gaussian);
    }

    @Override
    public SoftMatchWeighting copy(ParamMap extra) {
        return (SoftMatchWeighting) defaultCopy(extra);
    }

    public static MLReader<SoftMatchWeighting> read() {
        return new DefaultParamsReader<>();
    }

    public static SoftMatchWeighting load(String path) {
        return read().load(path);
    }
}
