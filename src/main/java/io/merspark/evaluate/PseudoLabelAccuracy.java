package io.merspark.evaluate;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * How many accepted pseudo-labels are right, judged against the held-back truth of the unlabeled pool
 * (only known for a benchmark corpus such as {@code unlabeled_truth.csv}). Accepted rows whose sample has
 * no truth are excluded from the accuracy and counted. Truth sample ids are expected to be unique.
 */
public final class PseudoLabelAccuracy {

    public static final String SAMPLE_ID = "sample_id";
    public static final String LABEL = "label";

    private PseudoLabelAccuracy() {
    }

    /**
     * @param accepted     pseudo-labels with truth
     * @param matched      accepted rows whose sample has a truth label
     * @param correct      matched rows whose pseudo-label equals the truth
     */
    public record Result(long accepted, long matched, long correct) {

        public long withoutTruth() {
            return accepted - matched;
        }

        /** {@code correct / matched}; NaN when no accepted row has a truth label. */
        public double accuracy() {
            return matched == 0 ? Double.NaN : (double) correct / matched;
        }
    }

    /** Both tables have {@code sample_id} and {@code label} (class names). */
    public static Result of(Dataset<Row> pseudo, Dataset<Row> truth) {
        Dataset<Row> joined = pseudo.select(col(SAMPLE_ID), col(LABEL).as("pseudo_label"))
                .join(truth.select(col(SAMPLE_ID), col(LABEL).as("truth_label")),
                        SAMPLE_ID, "left");
        Row r = joined.agg(
                count(lit(1)),
                count(col("truth_label")),
                sum(when(col("pseudo_label").equalTo(col("truth_label")), 1L).otherwise(0L)))
                .first();
        return new Result(r.getLong(0), r.getLong(1), r.isNullAt(2) ? 0 : r.getLong(2));
    }

    /** A truth CSV with a header row {@code sample_id,label}. */
    public static Dataset<Row> readTruth(SparkSession spark, String csvPath) {
        return spark.read().option("header", "true").schema(SAMPLE_ID + " STRING, " + LABEL + " STRING").csv(csvPath);
    }
}
