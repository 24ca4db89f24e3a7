package io.merspark.prior;

import org.apache.spark.sql.Column;

import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.sum;

/**
 * Sums of values in [0, 1] that do not depend on the order Spark merges partial aggregates in: each value is
 * rounded to a multiple of 2^-36 and summed as a long, which is exact and associative. A double sum's last bits
 * follow the partitioning and the order shuffle blocks arrive in, so the same round would not reproduce its prior
 * estimates bit for bit. 2^-36 (1.5e-11) is far below any tolerance a prior is estimated to; 10^8 rows of 1.0
 * still fit a long.
 */
final class FixedPointSums {

    static final double SCALE = 0x1p36;

    private FixedPointSums() {
    }

    /** The exact sum of a column of values in [0, 1], as a long in units of 2^-36. */
    static Column sumOf(Column unitValue) {
        return sum(round(unitValue.multiply(SCALE)).cast("long"));
    }

    /** The sum {@link #sumOf} computed, back as a double. */
    static double value(long units) {
        return units / SCALE;
    }
}
