package io.merspark.select;

import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

/** FixMatch's fixed threshold: accepts a prediction when its confidence is at least {@code threshold}. */
public final class ConfidenceFilter extends PseudoLabelFilter<ConfidenceFilter> {

    private final DoubleParam threshold;

    public ConfidenceFilter() {
        this(Identifiable$.MODULE$.randomUID("confidenceFilter"));
    }

    public ConfidenceFilter(String uid) {
        super(uid, "fixed");
        threshold = new DoubleParam(this, "threshold", "minimum confidence to accept, in [0, 1]",
                ParamValidators.inRange(0.0, 1.0));
        setDefault(threshold, 0.95);
    }

    public DoubleParam threshold() {
        return threshold;
    }

    public double getThreshold() {
        return (Double) $(threshold);
    }

    public ConfidenceFilter setThreshold(double value) {
        set(threshold, value);
        return this;
    }

    @Override
    protected Column acceptance(Dataset<Row> scores, Column confidence, DataType confidenceType,
                                Column classIndex) {
        return confidence.geq(thresholdLiteral(getThreshold(), confidenceType));
    }

    @Override
    protected void validateStrategy(StructType schema) {
        // the threshold's range is enforced by its Param validator
    }

    public static MLReader<ConfidenceFilter> read() {
        return new DefaultParamsReader<>();
    }

    public static ConfidenceFilter load(String path) {
        return read().load(path);
    }
}
