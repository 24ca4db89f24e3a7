package io.merspark.select;

import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
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
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.StructType;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;

/**
 * Per-class quota on accepted pseudo-labels: keeps at most {@code k} rows per predicted class, the
 * {@code k} most confident, ties broken by ascending sample id so the selection is reproducible. Run it after
 * a {@link PseudoLabelFilter}, so the quota applies to the accepted rows; the schema is unchanged.
 *
 * <p>{@code k} is {@code maxPerClass}, or with {@code balanceToMin} the accepted count of the smallest class
 * present in the input (classes without any accepted row do not force {@code k = 0}); with both, the smaller.
 * The ranking is a window per class and the smallest count one aggregation joined back as a broadcast row,
 * so nothing reaches the driver.
 */
public final class ClassQuotaFilter extends Transformer implements DefaultParamsWritable {

    private static final String RANK = "__quota_rank";
    private static final String CLASS_COUNT = "__quota_class_count";
    private static final String MIN_COUNT = "__quota_min_count";

    private final String uid;
    private final Param<String> confidenceCol;
    private final Param<String> predictionCol;
    private final Param<String> idCol;
    private final IntParam maxPerClass;
    private final BooleanParam balanceToMin;

    public ClassQuotaFilter() {
        this(Identifiable$.MODULE$.randomUID("classQuotaFilter"));
    }

    public ClassQuotaFilter(String uid) {
        this.uid = uid;
        confidenceCol = new Param<>(this, "confidenceCol", "column with the top-class probability");
        predictionCol = new Param<>(this, "predictionCol", "column with the predicted class index");
        idCol = new Param<>(this, "idCol", "sample id column, the tie-breaker among equal confidences");
        maxPerClass = new IntParam(this, "maxPerClass", "most rows kept per predicted class (>= 1)",
                ParamValidators.gtEq(1));
        balanceToMin = new BooleanParam(this, "balanceToMin",
                "cap every class at the accepted count of the smallest class present");
        setDefault(confidenceCol, "confidence");
        setDefault(predictionCol, "pred");
        setDefault(idCol, "sample_id");
        setDefault(balanceToMin, false);
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

    public ClassQuotaFilter setConfidenceCol(String value) {
        set(confidenceCol, value);
        return this;
    }

    public Param<String> predictionCol() {
        return predictionCol;
    }

    public String getPredictionCol() {
        return $(predictionCol);
    }

    public ClassQuotaFilter setPredictionCol(String value) {
        set(predictionCol, value);
        return this;
    }

    public Param<String> idCol() {
        return idCol;
    }

    public String getIdCol() {
        return $(idCol);
    }

    public ClassQuotaFilter setIdCol(String value) {
        set(idCol, value);
        return this;
    }

    public IntParam maxPerClass() {
        return maxPerClass;
    }

    public int getMaxPerClass() {
        return (Integer) $(maxPerClass);
    }

    public ClassQuotaFilter setMaxPerClass(int value) {
        set(maxPerClass, value);
        return this;
    }

    public BooleanParam balanceToMin() {
        return balanceToMin;
    }

    public boolean getBalanceToMin() {
        return (Boolean) $(balanceToMin);
    }

    public ClassQuotaFilter setBalanceToMin(boolean value) {
        set(balanceToMin, value);
        return this;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        if (!isSet(maxPerClass) && !getBalanceToMin()) {
            throw new IllegalArgumentException(uid + ": set 'maxPerClass' or 'balanceToMin'");
        }
        SchemaChecks.requireNumeric(schema, getConfidenceCol());
        SchemaChecks.requireIntegral(schema, getPredictionCol());
        SchemaChecks.require(schema, getIdCol());
        return schema;
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        transformSchema(dataset.schema(), true);
        Dataset<Row> input = dataset.toDF();
        WindowSpec ranked = Window.partitionBy(col(getPredictionCol()))
                .orderBy(col(getConfidenceCol()).desc_nulls_last(), col(getIdCol()).asc_nulls_last());
        Dataset<Row> withRank = input.withColumn(RANK, row_number().over(ranked));
        if (!getBalanceToMin()) {
            return withRank.filter(col(RANK).leq(getMaxPerClass())).drop(RANK);
        }
        Dataset<Row> smallest = input.groupBy(col(getPredictionCol()))
                .agg(count(lit(1)).as(CLASS_COUNT))
                .agg(min(col(CLASS_COUNT)).as(MIN_COUNT));
        Column quota = isSet(maxPerClass) ? least(col(MIN_COUNT), lit((long) getMaxPerClass())) : col(MIN_COUNT);
        return withRank.crossJoin(broadcast(smallest))
                .filter(col(RANK).leq(quota))
                .drop(RANK, MIN_COUNT);
    }

    @Override
    public ClassQuotaFilter copy(ParamMap extra) {
        return (ClassQuotaFilter) defaultCopy(extra);
    }

    public static MLReader<ClassQuotaFilter> read() {
        return new DefaultParamsReader<>();
    }

    public static ClassQuotaFilter load(String path) {
        return read().load(path);
    }
}
