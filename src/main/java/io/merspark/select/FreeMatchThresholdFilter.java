package io.merspark.select;

import org.apache.spark.ml.param.DoubleArrayParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;
import scala.Function1;

import java.util.Arrays;
import java.util.List;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;

/**
 * FreeMatch's self-adaptive thresholds: a row is kept when its confidence is at least
 * {@code tau_t(pred) = MaxNorm(p_t)(pred) * tau_t}, where the global {@code tau_t} is an EMA of the mean
 * confidence and {@code p_t(c)} an EMA of the mean probability of class {@code c}, both updated from the
 * previous round's {@link FreeMatchState} with this round's scored pool.
 *
 * <p>The paper updates per training iteration with momentum 0.999; here one update happens per
 * self-training round over the whole pool, so the default momentum is 0.5: the state still remembers earlier
 * rounds but follows the model's progress within a few rounds. Without a previous state the paper's start
 * {@code tau_0 = p_0(c) = 1 / C} is used.
 *
 * <p>The means come from one aggregation over the filter's input, collected as one row of {@code C + 1}
 * doubles. {@link #updatedState} exposes the state the round stores for the next one.
 */
public final class FreeMatchThresholdFilter extends PseudoLabelFilter<FreeMatchThresholdFilter> {

    private final Param<String> probabilitiesCol;
    private final DoubleParam momentum;
    private final DoubleParam previousThreshold;
    private final DoubleArrayParam previousClassProbabilities;

    public FreeMatchThresholdFilter() {
        this(Identifiable$.MODULE$.randomUID("freeMatchThresholdFilter"));
    }

    public FreeMatchThresholdFilter(String uid) {
        super(uid, "freematch");
        probabilitiesCol = new Param<>(this, "probabilitiesCol", "column with the per-class probabilities");
        momentum = new DoubleParam(this, "momentum", "EMA momentum lambda per round, in [0, 1]",
                ParamValidators.inRange(0.0, 1.0));
        previousThreshold = new DoubleParam(this, "previousThreshold",
                "global threshold tau of the previous round; 1 / C when unset", ParamValidators.inRange(0.0, 1.0));
        previousClassProbabilities = new DoubleArrayParam(this, "previousClassProbabilities",
                "class probability estimates of the previous round, aligned with classes; 1 / C each when unset",
                (Function1<double[], Object>) ps -> ps.length > 0
                        && Arrays.stream(ps).allMatch(p -> p >= 0 && p <= 1)
                        && Arrays.stream(ps).anyMatch(p -> p > 0));
        setDefault(probabilitiesCol, "probs");
        setDefault(momentum, 0.5);
    }

    public Param<String> probabilitiesCol() {
        return probabilitiesCol;
    }

    public String getProbabilitiesCol() {
        return $(probabilitiesCol);
    }

    public FreeMatchThresholdFilter setProbabilitiesCol(String value) {
        set(probabilitiesCol, value);
        return this;
    }

    public DoubleParam momentum() {
        return momentum;
    }

    public double getMomentum() {
        return (Double) $(momentum);
    }

    public FreeMatchThresholdFilter setMomentum(double value) {
        set(momentum, value);
        return this;
    }

    public DoubleParam previousThreshold() {
        return previousThreshold;
    }

    public double getPreviousThreshold() {
        return (Double) $(previousThreshold);
    }

    public FreeMatchThresholdFilter setPreviousThreshold(double value) {
        set(previousThreshold, value);
        return this;
    }

    public DoubleArrayParam previousClassProbabilities() {
        return previousClassProbabilities;
    }

    public double[] getPreviousClassProbabilities() {
        return $(previousClassProbabilities);
    }

    public FreeMatchThresholdFilter setPreviousClassProbabilities(double... value) {
        set(previousClassProbabilities, value);
        return this;
    }

    /** Sets both previous-state Params from a stored state. */
    public FreeMatchThresholdFilter setPreviousState(FreeMatchState state) {
        setPreviousThreshold(state.globalThreshold());
        return setPreviousClassProbabilities(
                state.classProbabilities().stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** The state this round starts from: the Params when set, else the paper's initial state. */
    public FreeMatchState previousState() {
        List<String> classes = List.of(getClasses());
        if (!isSet(previousThreshold)) {
            return FreeMatchState.initial(classes);
        }
        return new FreeMatchState(classes, getPreviousThreshold(),
                Arrays.stream(getPreviousClassProbabilities()).boxed().toList());
    }

    /**
     * The state after this round's update with {@code scores}; an empty pool carries no evidence and leaves
     * the previous state unchanged.
     */
    public FreeMatchState updatedState(Dataset<?> scores) {
        transformSchema(scores.schema());
        int k = getClasses().length;
        Column[] classMeans = new Column[k];
        for (int c = 0; c < k; c++) {
            classMeans[c] = avg(col(getProbabilitiesCol()).getItem(c));
        }
        Row row = scores.toDF().agg(avg(col(getConfidenceCol())), classMeans).head();
        FreeMatchState previous = previousState();
        if (row.isNullAt(0)) {
            return previous;
        }
        double[] means = new double[k];
        for (int c = 0; c < k; c++) {
            means[c] = row.getDouble(c + 1);
        }
        return previous.update(row.getDouble(0), means, getMomentum());
    }

    @Override
    protected Column acceptance(Dataset<Row> scores, Column confidence, DataType confidenceType,
                                Column classIndex) {
        double[] thresholds = updatedState(scores).localThresholds();
        return meetsClassThreshold(thresholds, confidence, confidenceType, classIndex);
    }

    @Override
    protected void validateStrategy(StructType schema) {
        DataType probs = SchemaChecks.require(schema, getProbabilitiesCol()).dataType();
        if (!(probs instanceof ArrayType a && a.elementType() instanceof NumericType)) {
            throw new IllegalArgumentException("column '" + getProbabilitiesCol()
                    + "' must be an array of per-class probabilities, found " + probs.simpleString());
        }
        if (isSet(previousThreshold) != isSet(previousClassProbabilities)) {
            throw new IllegalArgumentException(uid()
                    + ": set both 'previousThreshold' and 'previousClassProbabilities', or neither");
        }
        if (isSet(previousClassProbabilities) && getPreviousClassProbabilities().length != getClasses().length) {
            throw new IllegalArgumentException(uid() + ": " + getPreviousClassProbabilities().length
                    + " previous class probabilities for " + getClasses().length + " classes "
                    + Arrays.toString(getClasses()));
        }
    }

    public static MLReader<FreeMatchThresholdFilter> read() {
        return new DefaultParamsReader<>();
    }

    public static FreeMatchThresholdFilter load(String path) {
        return read().load(path);
    }
}
