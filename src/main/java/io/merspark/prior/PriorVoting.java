package io.merspark.prior;

import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.Function1;
import scala.Function2;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.aggregate;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_max;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

/**
 * Prior-knowledge voting across ensemble members: every member's probability vector is moved to the target
 * prior ({@code p' ∝ p · π_target / π_train}), every member votes its corrected argmax, and the class with
 * the most votes wins. A tie goes to the tied class whose voters have the highest mean corrected confidence,
 * then to the lowest class index.
 *
 * <p>Writes {@code outputCol} (the voted class index, int) and {@code votesCol} (the winner's vote count, int).
 * A row with no members, or a member vector of the wrong length, fails the job naming the column. Members
 * from several rounds' score tables are pooled per sample with {@link #poolMembers}.
 */
public final class PriorVoting extends PriorShiftStage<PriorVoting> {

    private static final String CLASS = "class";
    private static final String CONFIDENCE = "confidence";
    private static final String VOTES = "votes";
    private static final String MEAN_CONFIDENCE = "mean_confidence";
    private static final String NEGATED_CLASS = "negated_class";
    /** Working columns of {@link #transform}, dropped before it returns. */
    private static final String BALLOTS = "__voting_ballots";
    private static final String WINNER = "__voting_winner";

    private final Param<String> memberProbsCol;
    private final Param<String> outputCol;
    private final Param<String> votesCol;

    public PriorVoting() {
        this(Identifiable$.MODULE$.randomUID("priorVoting"));
    }

    public PriorVoting(String uid) {
        super(uid);
        memberProbsCol = new Param<>(this, "memberProbsCol", "column with one probability vector per ensemble member");
        outputCol = new Param<>(this, "outputCol", "output column for the voted class index");
        votesCol = new Param<>(this, "votesCol", "output column for the number of votes of the voted class");
        setDefault(memberProbsCol, "member_probs");
        setDefault(outputCol, "voted_pred");
        setDefault(votesCol, "votes");
    }

    public Param<String> memberProbsCol() {
        return memberProbsCol;
    }

    public String getMemberProbsCol() {
        return $(memberProbsCol);
    }

    public PriorVoting setMemberProbsCol(String value) {
        set(memberProbsCol, value);
        return this;
    }

    public Param<String> outputCol() {
        return outputCol;
    }

    public String getOutputCol() {
        return $(outputCol);
    }

    public PriorVoting setOutputCol(String value) {
        set(outputCol, value);
        return this;
    }

    public Param<String> votesCol() {
        return votesCol;
    }

    public String getVotesCol() {
        return $(votesCol);
    }

    public PriorVoting setVotesCol(String value) {
        set(votesCol, value);
        return this;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        ratio();
        PriorChecks.requireMemberProbabilities(schema, getMemberProbsCol());
        PriorChecks.requireAbsent(schema, getOutputCol());
        PriorChecks.requireAbsent(schema, getVotesCol());
        return schema
                .add(getOutputCol(), DataTypes.IntegerType, false)
                .add(getVotesCol(), DataTypes.IntegerType, false);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        transformSchema(dataset.schema(), true);
        double[] ratio = ratio();
        String column = getMemberProbsCol();
        Column members = col(column);
        Column corrected = functions.transform(members,
                (Function1<Column, Column>) m -> PriorShift.corrected(m, ratio, column));
        Column ballots = functions.transform(corrected, (Function1<Column, Column>) p -> struct(
                PriorShift.argmax(p).as(CLASS), array_max(p).as(CONFIDENCE)));
        // Each step is its own column: written as one expression, the ballots were copied into every class's tally
        // and the tally into both outputs, and Catalyst spent tens of seconds analysing a plan of 143 rows.
        Dataset<Row> step = dataset.toDF().withColumn(BALLOTS, ballots);
        // per class (votes, mean confidence of its voters, -index): the array maximum orders the fields in turn
        Column[] tally = new Column[ratio.length];
        for (int c = 0; c < ratio.length; c++) {
            int cls = c;
            Column voters = filter(col(BALLOTS), (Function1<Column, Column>) b -> b.getField(CLASS).equalTo(cls));
            Column votes = size(voters);
            Column confidenceSum = aggregate(voters, lit(0.0),
                    (Function2<Column, Column, Column>) (acc, b) -> acc.plus(b.getField(CONFIDENCE)));
            Column meanConfidence = when(votes.gt(0), confidenceSum.divide(votes)).otherwise(lit(0.0));
            tally[c] = struct(votes.as(VOTES), meanConfidence.as(MEAN_CONFIDENCE), lit(-c).as(NEGATED_CLASS));
        }
        step = step.withColumn(WINNER, when(size(members).gt(0), array_max(array(tally)))
                .otherwise(raise_error(lit("column '" + column + "' holds a row without ensemble members"))));
        Column winner = col(WINNER);
        Map<String, Column> added = new LinkedHashMap<>();
        added.put(getOutputCol(), winner.getField(NEGATED_CLASS).multiply(-1).cast(DataTypes.IntegerType));
        added.put(getVotesCol(), winner.getField(VOTES).cast(DataTypes.IntegerType));
        return step.withColumns(added).drop(BALLOTS, WINNER);
    }

    /**
     * Pools the ensemble members of several score tables (e.g. the rounds' {@code scores/}) per sample:
     * one row per sample id found in any table, with the member vectors of every table holding it,
     * in table order. Other columns are not kept.
     */
    public static Dataset<Row> poolMembers(List<Dataset<Row>> tables, String idCol, String memberProbsCol) {
        if (tables.isEmpty()) {
            throw new IllegalArgumentException("no score tables to pool");
        }
        Dataset<Row> pooled = null;
        List<Column> parts = new ArrayList<>();
        for (int t = 0; t < tables.size(); t++) {
            Dataset<Row> table = tables.get(t);
            PriorChecks.require(table.schema(), idCol);
            PriorChecks.requireMemberProbabilities(table.schema(), memberProbsCol);
            String part = "__members_" + t;
            Dataset<Row> slim = table.select(col(idCol), col(memberProbsCol).as(part));
            pooled = pooled == null ? slim : pooled.join(slim, new String[] {idCol}, "full_outer");
            // a sample absent from a table contributes no members from it
            parts.add(coalesce(col(part), array().cast(table.schema().apply(memberProbsCol).dataType())));
        }
        Dataset<Row> result = pooled.withColumn(memberProbsCol, concat(parts.toArray(Column[]::new)));
        for (int t = 0; t < tables.size(); t++) {
            result = result.drop("__members_" + t);
        }
        return result;
    }

    public static MLReader<PriorVoting> read() {
        return new DefaultParamsReader<>();
    }

    public static PriorVoting load(String path) {
        return read().load(path);
    }
}
