package io.merspark.select;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import static org.apache.spark.sql.functions.array_max;
import static org.apache.spark.sql.functions.array_position;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.forall;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.when;

/**
 * The second collapse signal: the share of the scored pool on which the ensemble's members do not all predict
 * the ensemble's class. Rounds of self-training on sound pseudo-labels make members agree more; a rise from one
 * round to the next means they are drifting apart on the pool (a shift the labels cannot follow), and the
 * round's accepted labels are then restricted to rows every member agrees on.
 */
public final class MemberDisagreement {

    /** A rise of the pool's disagreement share above this (absolute) from the previous round engages the guard. */
    public static final double MAX_RISE = 0.02;

    private MemberDisagreement() {
    }

    /** True where every member's argmax (its first maximum, as {@code pred}'s) is {@code pred}. */
    public static Column unanimous(Column members, Column pred) {
        return forall(members, m -> array_position(m, array_max(m)).minus(1).equalTo(pred));
    }

    /**
     * Share of rows with members ({@code member_probs} not empty) on which they do not all agree; null when no
     * row has members (a model without an ensemble, such as the logistic regression).
     */
    public static Double poolShare(Dataset<Row> scores) {
        Column members = col("member_probs");
        Row r = scores.where(size(members).gt(0))
                .agg(avg(when(unanimous(members, col("pred")), 0.0).otherwise(1.0)))
                .first();
        return r.isNullAt(0) ? null : r.getDouble(0);
    }

    /** Whether {@code current} is more than {@link #MAX_RISE} above {@code previous} (false without both). */
    public static boolean rising(Double current, Double previous) {
        return current != null && previous != null && current > previous + MAX_RISE + 1e-12;
    }
}
