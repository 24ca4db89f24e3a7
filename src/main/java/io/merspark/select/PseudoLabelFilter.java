package io.merspark.select;

import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.StructType;
import scala.Function1;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.when;

/**
 * A confidence filter over the scores table: keeps the rows its {@link #acceptance} accepts and labels them
 * with {@code classes[pred]}, a weight, the strategy name and the round.
 *
 * <p>A {@code weight} column already in the input (from {@link SoftMatchWeighting} run over the whole pool)
 * is kept; otherwise every accepted row gets weight 1.0.
 *
 * @param <F> the concrete filter, so the fluent setters return it
 */
public abstract class PseudoLabelFilter<F extends PseudoLabelFilter<F>> extends Transformer
        implements DefaultParamsWritable {

    private final String uid;
    private final Param<String> confidenceCol;
    private final Param<String> predictionCol;
    private final StringArrayParam classes;
    private final Param<String> strategyName;
    private final IntParam round;

    protected PseudoLabelFilter(String uid, String defaultStrategyName) {
        this.uid = uid;
        confidenceCol = new Param<>(this, "confidenceCol", "column with the top-class probability");
        predictionCol = new Param<>(this, "predictionCol", "column with the predicted class index");
        classes = new StringArrayParam(this, "classes", "class names in index order",
                (Function1<String[], Object>) names -> names.length > 0);
        strategyName = new Param<>(this, "strategyName", "strategy name written to each accepted row");
        round = new IntParam(this, "round", "self-training round written to each accepted row",
                ParamValidators.gtEq(0));
        setDefault(confidenceCol, "confidence");
        setDefault(predictionCol, "pred");
        setDefault(strategyName, defaultStrategyName);
        setDefault(round, 0);
    }

    /**
     * The row filter; {@code confidenceType} is the input type of the confidence column. {@code scores} is the
     * filter's whole input, for strategies whose thresholds depend on statistics of the scored pool.
     */
    protected abstract Column acceptance(Dataset<Row> scores, Column confidence, DataType confidenceType,
                                         Column classIndex);

    /** Checks the strategy's own Params against the schema and the classes. */
    protected abstract void validateStrategy(StructType schema);

    @SuppressWarnings("unchecked")
    private F self() {
        return (F) this;
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

    public F setConfidenceCol(String value) {
        set(confidenceCol, value);
        return self();
    }

    public Param<String> predictionCol() {
        return predictionCol;
    }

    public String getPredictionCol() {
        return $(predictionCol);
    }

    public F setPredictionCol(String value) {
        set(predictionCol, value);
        return self();
    }

    public StringArrayParam classes() {
        return classes;
    }

    public String[] getClasses() {
        return $(classes);
    }

    public F setClasses(String... value) {
        set(classes, value);
        return self();
    }

    public Param<String> strategyName() {
        return strategyName;
    }

    public String getStrategyName() {
        return $(strategyName);
    }

    public F setStrategyName(String value) {
        set(strategyName, value);
        return self();
    }

    public IntParam round() {
        return round;
    }

    public int getRound() {
        return (Integer) $(round);
    }

    public F setRound(int value) {
        set(round, value);
        return self();
    }

    @Override
    public StructType transformSchema(StructType schema) {
        if (!isDefined(classes)) {
            throw new IllegalArgumentException(uid + ": Param 'classes' must be set");
        }
        SchemaChecks.requireNumeric(schema, getConfidenceCol());
        SchemaChecks.requireIntegral(schema, getPredictionCol());
        validateStrategy(schema);
        SchemaChecks.requireAbsent(schema, PseudoLabelColumns.LABEL);
        SchemaChecks.requireAbsent(schema, PseudoLabelColumns.STRATEGY);
        SchemaChecks.requireAbsent(schema, PseudoLabelColumns.ROUND);
        StructType out = schema.add(PseudoLabelColumns.LABEL, DataTypes.StringType, false);
        if (Arrays.asList(schema.fieldNames()).contains(PseudoLabelColumns.WEIGHT)) {
            DataType weightType = schema.apply(PseudoLabelColumns.WEIGHT).dataType();
            if (!(weightType instanceof DoubleType)) {
                throw new IllegalArgumentException("input column '" + PseudoLabelColumns.WEIGHT
                        + "' must be double, found " + weightType.simpleString());
            }
        } else {
            out = out.add(PseudoLabelColumns.WEIGHT, DataTypes.DoubleType, false);
        }
        return out.add(PseudoLabelColumns.STRATEGY, DataTypes.StringType, false)
                .add(PseudoLabelColumns.ROUND, DataTypes.IntegerType, false);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType schema = dataset.schema();
        transformSchema(schema, true);
        String[] names = getClasses();
        Column confidence = col(getConfidenceCol());
        DataType confidenceType = schema.apply(getConfidenceCol()).dataType();
        Column classIndex = checkedClassIndex(col(getPredictionCol()), names.length);

        Map<String, Column> added = new LinkedHashMap<>();
        added.put(PseudoLabelColumns.LABEL, array(Arrays.stream(names).map(n -> lit(n)).toArray(Column[]::new))
                .getItem(classIndex));
        if (!Arrays.asList(schema.fieldNames()).contains(PseudoLabelColumns.WEIGHT)) {
            added.put(PseudoLabelColumns.WEIGHT, lit(1.0));
        }
        added.put(PseudoLabelColumns.STRATEGY, lit(getStrategyName()));
        added.put(PseudoLabelColumns.ROUND, lit(getRound()));
        Dataset<Row> scores = dataset.toDF();
        return scores
                .filter(acceptance(scores, confidence, confidenceType, classIndex))
                .withColumns(added);
    }

    /**
     * The prediction as an array index, failing the job on a null or out-of-range class index rather than
     * silently producing a row without a label.
     */
    private Column checkedClassIndex(Column pred, int numClasses) {
        Column message = concat(lit("column '" + getPredictionCol() + "' holds a class index outside [0, "
                + numClasses + "): "), coalesce(pred.cast(DataTypes.StringType), lit("null")));
        return when(pred.geq(0).and(pred.lt(numClasses)), pred.cast(DataTypes.IntegerType))
                .otherwise(raise_error(message));
    }

    /**
     * A threshold as a literal of the confidence column's own type: scores are stored as float, and a
     * float confidence equal to the threshold (e.g. 0.95f) must be accepted although it is below the double 0.95.
     */
    protected static Column thresholdLiteral(double threshold, DataType confidenceType) {
        return confidenceType instanceof FloatType ? lit((float) threshold) : lit(threshold);
    }

    /** {@code confidence >= thresholds[classIndex]}, the thresholds aligned with {@code classes}. */
    protected static Column meetsClassThreshold(double[] thresholds, Column confidence, DataType confidenceType,
                                                Column classIndex) {
        Column perClass = array(Arrays.stream(thresholds)
                .mapToObj(t -> thresholdLiteral(t, confidenceType))
                .toArray(Column[]::new));
        return confidence.geq(perClass.getItem(classIndex));
    }

    @Override
    public F copy(ParamMap extra) {
        @SuppressWarnings("unchecked")
        F copy = (F) defaultCopy(extra);
        return copy;
    }
}
