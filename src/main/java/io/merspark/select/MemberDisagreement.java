package io.merspark.select;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import static org.apache.spark.sql.functions.array_max;
import static org.apache.spark.sql.functions.array_position;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.forall;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.when;

/**
 * The second collapse signal: the share of the scored pool on which the ensemble's members do not all predict
 * the ensemble's class. Rounds of self-training on sound pseudo-labels make members agree more; a rise from one
 * round to the next means they are drifting apart on the pool (a shift the labels cannot follow), and the
 * round's accepted labels are then restricted to rows every member agrees on. "Rising" is a rise beyond the
 * sampling noise of two shares: with five members on a few hundred clips about half the pool has some member
 * dissenting, and a round-to-round wobble of 0.05 is common (seen on the speaker split) without any drift.
 */
public final class MemberDisagreement {

    /** A rise of the pool's disagreement share by more than this many standard errors engages the guard. */
    public static final double MAX_RISE_Z = 2.0;

    /** The share of {@code rows} scored rows with members on which they do not all agree. */
    public record Share(double share, long rows) {
    }

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
    public static Share poolShare(Dataset<Row> scores) {
        Column members = col("member_probs");
        Row r = scores.where(size(members).gt(0))
                .agg(avg(when(unanimous(members, col("pred")), 0.0).otherwise(1.0)), count(lit(1)))
                .first();
        return r.isNullAt(0) ? null : new Share(r.getDouble(0), r.getLong(1));
    }

    /**
     * Whether {@code current} is above {@code previous} by more than {@link #MAX_RISE_Z} standard errors of the
     * difference of two shares (pooled), false without both.
     */
    public static boolean rising(Share current, Share previous) {
        if (current == null || previous == null || current.share() <= previous.share()) {
            return false;
        }
        double pooled = (current.share() * current.rows() + previous.share() * previous.rows())
                / (current.rows() + previous.rows());
        double se = Math.sqrt(pooled * (1 - pooled) * (1.0 / current.rows() + 1.0 / previous.rows()));
        return se == 0 || (current.share() - previous.share()) / se > MAX_RISE_Z;
    }
}
