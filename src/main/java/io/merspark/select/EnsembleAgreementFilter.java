package io.merspark.select;

import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
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
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;

import static org.apache.spark.sql.functions.aggregate;
import static org.apache.spark.sql.functions.array_max;
import static org.apache.spark.sql.functions.array_position;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.forall;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sqrt;

/**
 * Keeps rows the ensemble members agree on: with {@code requireAll} every member's argmax must equal the
 * prediction, and with {@code maxSpread} set, the spread of the predicted class's probability across members
 * (population standard deviation) must be at most {@code maxSpread}. Rows without members are dropped: there
 * is nothing to agree. Run it after a {@link PseudoLabelFilter}; the schema is unchanged.
 *
 * <p>A member's argmax is its first maximal class, as for {@code pred}. Both tests are higher-order array
 * expressions evaluated per row, so the filter is a plain narrow transformation.
 */
public final class EnsembleAgreementFilter extends Transformer implements DefaultParamsWritable {

    private final String uid;
    private final Param<String> memberProbabilitiesCol;
    private final Param<String> predictionCol;
    private final BooleanParam requireAll;
    private final DoubleParam maxSpread;

    public EnsembleAgreementFilter() {
        this(Identifiable$.MODULE$.randomUID("ensembleAgreementFilter"));
    }

    public EnsembleAgreementFilter(String uid) {
        this.uid = uid;
        memberProbabilitiesCol = new Param<>(this, "memberProbabilitiesCol",
                "column with each ensemble member's per-class probabilities");
        predictionCol = new Param<>(this, "predictionCol", "column with the predicted class index");
        requireAll = new BooleanParam(this, "requireAll", "every member's argmax must equal the prediction");
        maxSpread = new DoubleParam(this, "maxSpread",
                "largest standard deviation across members of the predicted class's probability (>= 0); off when unset",
                ParamValidators.gtEq(0.0));
        setDefault(memberProbabilitiesCol, "member_probs");
        setDefault(predictionCol, "pred");
        setDefault(requireAll, true);
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> memberProbabilitiesCol() {
        return memberProbabilitiesCol;
    }

    public String getMemberProbabilitiesCol() {
        return $(memberProbabilitiesCol);
    }

    public EnsembleAgreementFilter setMemberProbabilitiesCol(String value) {
        set(memberProbabilitiesCol, value);
        return this;
    }

    public Param<String> predictionCol() {
        return predictionCol;
    }

    public String getPredictionCol() {
        return $(predictionCol);
    }

    public EnsembleAgreementFilter setPredictionCol(String value) {
        set(predictionCol, value);
        return this;
    }

    public BooleanParam requireAll() {
        return requireAll;
    }

    public boolean getRequireAll() {
        return (Boolean) $(requireAll);
    }

    public EnsembleAgreementFilter setRequireAll(boolean value) {
        set(requireAll, value);
        return this;
    }

    public DoubleParam maxSpread() {
        return maxSpread;
    }

    public double getMaxSpread() {
        return (Double) $(maxSpread);
    }

    public EnsembleAgreementFilter setMaxSpread(double value) {
        set(maxSpread, value);
        return this;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        if (!getRequireAll() && !isSet(maxSpread)) {
            throw new IllegalArgumentException(uid + ": set 'requireAll' or 'maxSpread', otherwise nothing is checked");
        }
        DataType members = SchemaChecks.require(schema, getMemberProbabilitiesCol()).dataType();
        boolean nested = members instanceof ArrayType outer && outer.elementType() instanceof ArrayType inner
                && inner.elementType() instanceof NumericType;
        if (!nested) {
            throw new IllegalArgumentException("column '" + getMemberProbabilitiesCol()
                    + "' must be an array of per-member probability arrays, found " + members.simpleString());
        }
        SchemaChecks.requireIntegral(schema, getPredictionCol());
        return schema;
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        transformSchema(dataset.schema(), true);
        Column members = col(getMemberProbabilitiesCol());
        Column pred = col(getPredictionCol());
        Column keep = size(members).gt(0);
        if (getRequireAll()) {
            // array_position is 1-based and finds the first maximum, matching how pred breaks ties
            keep = keep.and(forall(members, m -> array_position(m, array_max(m)).minus(1).equalTo(pred)));
        }
        if (isSet(maxSpread)) {
            keep = keep.and(predictedClassSpread(members, pred).leq(getMaxSpread()));
        }
        return dataset.toDF().filter(keep);
    }

    /** Population standard deviation across members of each member's probability of {@code pred}. */
    static Column predictedClassSpread(Column members, Column pred) {
        Column p = functions.transform(members, m -> m.getItem(pred).cast("double"));
        Column n = size(members);
        Column mean = aggregate(p, lit(0.0), (acc, x) -> acc.plus(x)).divide(n);
        Column squares = aggregate(p, lit(0.0), (acc, x) -> acc.plus(x.minus(mean).multiply(x.minus(mean))));
        return sqrt(squares.divide(n));
    }

    @Override
    public EnsembleAgreementFilter copy(ParamMap extra) {
        return (EnsembleAgreementFilter) defaultCopy(extra);
    }

    public static MLReader<EnsembleAgreementFilter> read() {
        return new DefaultParamsReader<>();
    }

    public static EnsembleAgreementFilter load(String path) {
        return read().load(path);
    }
}
