package io.merspark.select;

import org.apache.spark.ml.param.DoubleArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import scala.Function1;

import java.util.Arrays;

/**
 * Class-wise thresholds: a prediction of class {@code c} is accepted when its confidence is at least
 * {@code thresholds[c]}. The thresholds are a double array aligned with {@code classes} (same order and
 * length), so they save and load as plain JSON with the stage.
 */
public final class ClassWiseThresholdFilter extends PseudoLabelFilter<ClassWiseThresholdFilter> {

    private final DoubleArrayParam thresholds;

    public ClassWiseThresholdFilter() {
        this(Identifiable$.MODULE$.randomUID("classWiseThresholdFilter"));
    }

    public ClassWiseThresholdFilter(String uid) {
        super(uid, "classwise");
        thresholds = new DoubleArrayParam(this, "thresholds",
                "minimum confidence per class, aligned with classes, each in [0, 1]",
                (Function1<double[], Object>) ts -> ts.length > 0
                        && Arrays.stream(ts).allMatch(t -> t >= 0 && t <= 1));
    }

    public DoubleArrayParam thresholds() {
        return thresholds;
    }

    public double[] getThresholds() {
        return $(thresholds);
    }

    public ClassWiseThresholdFilter setThresholds(double... value) {
        set(thresholds, value);
        return this;
    }

    @Override
    protected Column acceptance(Dataset<Row> scores, Column confidence, DataType confidenceType,
                                Column classIndex) {
        return meetsClassThreshold(getThresholds(), confidence, confidenceType, classIndex);
    }

    @Override
    protected void validateStrategy(StructType schema) {
        if (!isDefined(thresholds)) {
            throw new IllegalArgumentException(uid() + ": Param 'thresholds' must be set");
        }
        if (getThresholds().length != getClasses().length) {
            throw new IllegalArgumentException(uid() + ": " + getThresholds().length + " thresholds for "
                    + getClasses().length + " classes " + Arrays.toString(getClasses()));
        }
    }

    public static MLReader<ClassWiseThresholdFilter> read() {
        return new DefaultParamsReader<>();
    }

    public static ClassWiseThresholdFilter load(String path) {
        return read().load(path);
    }
}
