package io.merspark.prior;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataTypes;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_max;
import static org.apache.spark.sql.functions.array_position;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.when;

/**
 * Column expressions of the prior shift {@code p'(y|x) ∝ p(y|x) · ratio(y)} with
 * {@code ratio = π_target / π_train}: built from the vector's k items, so no UDF and no per-row object.
 */
final class PriorShift {

    private PriorShift() {
    }

    /** Per-class {@code target / train} of two priors, each renormalised first. */
    static double[] ratio(double[] trainPrior, double[] targetPrior) {
        if (trainPrior.length != targetPrior.length) {
            throw new IllegalArgumentException("trainPrior has " + trainPrior.length + " classes, targetPrior "
                    + targetPrior.length);
        }
        double[] train = Priors.normalise(trainPrior);
        double[] target = Priors.normalise(targetPrior);
        double[] ratio = new double[train.length];
        for (int c = 0; c < ratio.length; c++) {
            if (!(train[c] > 0)) {
                throw new IllegalArgumentException("trainPrior of class " + c + " must be positive");
            }
            ratio[c] = target[c] / train[c];
        }
        return ratio;
    }

    /**
     * The k items of a probability vector as doubles. A row whose vector is null or of another length fails
     * the job, naming the column.
     */
    static Column[] items(Column probs, int k, String columnName) {
        Column checked = when(size(probs).notEqual(k).or(probs.isNull()),
                raise_error(lit("column '" + columnName + "' holds a probability vector that is null or not of length "
                        + k)))
                .otherwise(probs);
        Column[] items = new Column[k];
        for (int c = 0; c < k; c++) {
            items[c] = checked.getItem(c).cast(DataTypes.DoubleType);
        }
        return items;
    }

    /**
     * The reweighted, renormalised items. A row with no mass left after reweighting fails the job, naming
     * the column.
     */
    static Column[] corrected(Column[] probs, double[] ratio, String columnName) {
        int k = ratio.length;
        Column[] weighted = new Column[k];
        Column total = lit(0.0);
        for (int c = 0; c < k; c++) {
            weighted[c] = probs[c].multiply(lit(ratio[c]));
            total = total.plus(weighted[c]);
        }
        Column error = raise_error(lit("column '" + columnName
                + "' holds a probability vector with no mass on classes of positive target prior"));
        Column[] normalised = new Column[k];
        for (int c = 0; c < k; c++) {
            normalised[c] = when(total.gt(0.0), weighted[c].divide(total)).otherwise(error);
        }
        return normalised;
    }

    /** The corrected vector (array of double) of an array column. */
    static Column corrected(Column probs, double[] ratio, String columnName) {
        return array(corrected(items(probs, ratio.length, columnName), ratio, columnName));
    }

    /** Index of the largest entry, the lowest index on a tie. */
    static Column argmax(Column vector) {
        return array_position(vector, array_max(vector)).minus(1).cast(DataTypes.IntegerType);
    }
}
