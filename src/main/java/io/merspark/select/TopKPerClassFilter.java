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
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import scala.Function1;

import java.util.Arrays;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;

/**
 * Class-balanced top-k selection, as Noisy Student does: per predicted class {@code c} the {@code k_c} most
 * confident rows whose confidence is at least {@code floor}, with {@code k_c = round(budget * N * prior_c)} and
 * {@code N} the rows of the whole input (the scored pool). The accepted mix follows the class prior instead of
 * whichever class the model is most sure of, and the share of the pool taken is set by the budget, not by how
 * confident an uncalibrated model happens to be. Ties are broken by ascending sample id.
 *
 * <p>With {@code groupCol} set (a speaker, say), each class's {@code k_c} are taken round-robin over the groups:
 * every group's most confident row of the class, then every group's second, and so on (within a turn, most confident
 * first), so that a few groups the model finds easy do not take the whole quota. Rows of a null group form one group.
 *
 * <p>{@code prior} is aligned with {@code classes} (renormalised); unset, it is uniform. Counting the pool is one
 * aggregation; the ranking a window per class, so only one number reaches the driver.
 */
public final class TopKPerClassFilter extends PseudoLabelFilter<TopKPerClassFilter> {

    private static final String RANK = "__topk_rank";
    private static final String GROUP_RANK = "__topk_group_rank";

    private final DoubleParam floor;
    private final DoubleParam budget;
    private final DoubleArrayParam prior;
    private final Param<String> idCol;
    private final Param<String> groupCol;

    public TopKPerClassFilter() {
        this(Identifiable$.MODULE$.randomUID("topKPerClassFilter"));
    }

    public TopKPerClassFilter(String uid) {
        super(uid, "topk");
        floor = new DoubleParam(this, "floor", "minimum confidence of an accepted row, in [0, 1]",
                ParamValidators.inRange(0.0, 1.0));
        budget = new DoubleParam(this, "budget", "share of the input accepted in all, in (0, 1]",
                ParamValidators.inRange(0.0, 1.0, false, true));
        prior = new DoubleArrayParam(this, "prior", "class prior aligned with classes (non-negative, renormalised)",
                (Function1<double[], Object>) p -> p.length > 0 && Arrays.stream(p).allMatch(v -> v >= 0)
                        && Arrays.stream(p).sum() > 0);
        idCol = new Param<>(this, "idCol", "sample id column, the tie-breaker among equal confidences");
        groupCol = new Param<>(this, "groupCol", "group column (e.g. speaker): quotas filled round-robin over its"
                + " groups; unset = by confidence alone");
        setDefault(floor, 0.5);
        setDefault(budget, 0.1);
        setDefault(idCol, "sample_id");
    }

    public DoubleParam floor() {
        return floor;
    }

    public double getFloor() {
        return (Double) $(floor);
    }

    public TopKPerClassFilter setFloor(double value) {
        set(floor, value);
        return this;
    }

    public DoubleParam budget() {
        return budget;
    }

    public double getBudget() {
        return (Double) $(budget);
    }

    public TopKPerClassFilter setBudget(double value) {
        set(budget, value);
        return this;
    }

    public DoubleArrayParam prior() {
        return prior;
    }

    /** The prior this filter uses: the set one renormalised, or uniform. */
    public double[] getPrior() {
        int k = getClasses().length;
        if (!isSet(prior)) {
            double[] uniform = new double[k];
            Arrays.fill(uniform, 1.0 / k);
            return uniform;
        }
        double[] p = $(prior);
        double sum = Arrays.stream(p).sum();
        return Arrays.stream(p).map(v -> v / sum).toArray();
    }

    public TopKPerClassFilter setPrior(double... value) {
        set(prior, value);
        return this;
    }

    public Param<String> idCol() {
        return idCol;
    }

    public String getIdCol() {
        return $(idCol);
    }

    public TopKPerClassFilter setIdCol(String value) {
        set(idCol, value);
        return this;
    }

    public Param<String> groupCol() {
        return groupCol;
    }

    public TopKPerClassFilter setGroupCol(String value) {
        set(groupCol, value);
        return this;
    }

    /** {@code k_c = round(budget * poolSize * prior_c)}, aligned with {@code classes}. */
    public long[] quotas(long poolSize) {
        double[] p = getPrior();
        long[] k = new long[p.length];
        for (int c = 0; c < p.length; c++) {
            k[c] = Math.round(getBudget() * poolSize * p[c]);
        }
        return k;
    }

    @Override
    protected Column acceptance(Dataset<Row> scores, Column confidence, DataType confidenceType,
                                Column classIndex) {
        return confidence.geq(thresholdLiteral(getFloor(), confidenceType));
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        long[] k = quotas(dataset.count());
        Column quota = array(Arrays.stream(k).mapToObj(v -> lit(v)).toArray(Column[]::new))
                .getItem(col(getPredictionCol()).cast("int"));
        Column pred = col(getPredictionCol());
        Column mostConfident = col(getConfidenceCol()).desc_nulls_last();
        Column id = col(getIdCol()).asc_nulls_last();
        Dataset<Row> labelled = super.transform(dataset);
        if (!isSet(groupCol)) {
            return labelled.withColumn(RANK, row_number().over(Window.partitionBy(pred).orderBy(mostConfident, id)))
                    .filter(col(RANK).leq(quota))
                    .drop(RANK);
        }
        // the turn a row comes up in (its rank within its group and class) first, confidence within a turn
        return labelled
                .withColumn(GROUP_RANK, row_number().over(Window.partitionBy(pred, col($(groupCol)))
                        .orderBy(mostConfident, id)))
                .withColumn(RANK, row_number().over(Window.partitionBy(pred)
                        .orderBy(col(GROUP_RANK).asc(), mostConfident, id)))
                .filter(col(RANK).leq(quota))
                .drop(RANK, GROUP_RANK);
    }

    @Override
    protected void validateStrategy(StructType schema) {
        SchemaChecks.require(schema, getIdCol());
        if (isSet(groupCol)) {
            SchemaChecks.require(schema, $(groupCol));
        }
        if (isSet(prior) && $(prior).length != getClasses().length) {
            throw new IllegalArgumentException(uid() + ": " + $(prior).length + " prior values for "
                    + getClasses().length + " classes");
        }
    }

    public static MLReader<TopKPerClassFilter> read() {
        return new DefaultParamsReader<>();
    }

    public static TopKPerClassFilter load(String path) {
        return read().load(path);
    }
}
