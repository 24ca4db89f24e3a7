package io.merspark.bench;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

import java.util.stream.IntStream;

import static org.apache.spark.sql.functions.aggregate;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_max;
import static org.apache.spark.sql.functions.array_position;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.exp;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * Deterministic synthetic score tables with the scorer's schema ({@code sample_id}, {@code probs},
 * {@code member_probs}, {@code pred}, {@code confidence}, {@code margin}, {@code entropy}), built entirely in
 * Spark from {@code spark.range}: each member's logits are hash-based uniforms plus a boost on the row's hidden
 * true class. The boost grows with the class index, so classes differ in how confidently they are predicted,
 * which is what the adaptive strategies react to.
 */
public final class SyntheticScores {

    public static final int CLASSES = 6;
    public static final int MEMBERS = 3;

    private static final double UNIFORM_SCALE = 1 << 24;

    private SyntheticScores() {
    }

    public static Dataset<Row> generate(SparkSession spark, long rows, long seed) {
        Column id = col("id");
        Column trueClass = pmod(xxhash64(id, lit(seed), lit(-1)), lit(CLASSES));
        Column[] members = new Column[MEMBERS];
        for (int m = 0; m < MEMBERS; m++) {
            Column[] logits = new Column[CLASSES];
            for (int c = 0; c < CLASSES; c++) {
                Column u = pmod(xxhash64(id, lit(seed), lit(m), lit(c)), lit(1L << 24)).divide(UNIFORM_SCALE);
                logits[c] = u.multiply(4.0).plus(when(trueClass.equalTo(c), lit(1.0 + 0.5 * c)).otherwise(0.0));
            }
            members[m] = array(logits);
        }
        Dataset<Row> withLogits = spark.range(rows).select(
                concat(lit("s"), id.cast(DataTypes.StringType)).as("sample_id"), array(members).as("logits"));

        // softmax per member, then the ensemble mean per class
        Column memberProbs = functions.transform(col("logits"), logits -> {
            Column e = functions.transform(logits, x -> exp(x));
            return functions.transform(e, x -> x.divide(aggregate(e, lit(0.0), (a, y) -> a.plus(y))));
        });
        Dataset<Row> withMembers = withLogits.select(col("sample_id"), memberProbs.as("member_probs"));
        Column classIndices = array(IntStream.range(0, CLASSES).mapToObj(c -> lit(c)).toArray(Column[]::new));
        Column probs = functions.transform(classIndices, c -> aggregate(col("member_probs"), lit(0.0),
                (a, m) -> a.plus(m.getItem(c))).divide(MEMBERS));
        Dataset<Row> withProbs = withMembers.select(col("sample_id"),
                probs.cast("array<float>").as("probs"),
                col("member_probs").cast("array<array<float>>").as("member_probs"));

        Column p = col("probs");
        Column confidence = array_max(p);
        Column entropy = aggregate(p, lit(0.0), (a, x) -> a.minus(when(x.gt(0), x.multiply(log(x))).otherwise(0.0)));
        return withProbs.select(col("sample_id"), p, col("member_probs"),
                array_position(p, confidence).minus(1).cast(DataTypes.IntegerType).as("pred"),
                confidence.as("confidence"),
                confidence.minus(element_at(sort_array(p, false), 2)).as("margin"),
                entropy.cast(DataTypes.FloatType).as("entropy"));
    }
}
