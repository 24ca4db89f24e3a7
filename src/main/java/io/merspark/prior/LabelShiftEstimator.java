package io.merspark.prior;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.storage.StorageLevel;

import java.util.Arrays;
import java.util.List;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

/**
 * Estimates the class prior of a target data set (e.g. the test set or the unlabeled pool) from a classifier
 * trained under another prior. Row data stays on the executors: the driver sees only k-vectors.
 */
public final class LabelShiftEstimator {

    /**
     * EM over at most this many rows iterates on the driver's copy of the k-vectors (under 10 MB at six classes):
     * one Spark job per iteration costs 25–100 ms, more than a pass over a test set, and the number of
     * iterations would set the stage's time. Larger inputs iterate on the executors.
     */
    static final int DRIVER_ROWS = 100_000;

    private LabelShiftEstimator() {
    }

    /** An EM estimate with the number of passes it took and its last L1 change. */
    public record Estimate(double[] prior, int iterations, double lastChange) {
    }

    /**
     * Saerens–Latinne–Decaestecker EM: starting from {@code π = trainPrior}, reweights every posterior to
     * {@code p'(y|x) ∝ p(y|x) · π(y) / π_train(y)} and sets {@code π} to the mean of {@code p'}, until the L1
     * change is below {@code tol} or after {@code maxIter} passes.
     */
    public static double[] em(Dataset<Row> scores, String probsCol, double[] trainPrior, double tol, int maxIter) {
        return emEstimate(scores, probsCol, trainPrior, tol, maxIter).prior();
    }

    /**
     * {@link #em} with its convergence record. The probabilities are persisted once as an RDD of k-vectors and
     * each iteration is one RDD aggregation of exact fixed-point sums ({@link FixedPointSums}): a query per
     * iteration made Spark analyse, optimise and plan a new k²-expression plan each time, which cost more than
     * the passes themselves.
     */
    public static Estimate emEstimate(Dataset<Row> scores, String probsCol, double[] trainPrior, double tol,
                                      int maxIter) {
        return emEstimate(scores, probsCol, trainPrior, tol, maxIter, DRIVER_ROWS);
    }

    /** {@link #emEstimate} iterating on the driver when the input has at most {@code driverRows} rows. */
    static Estimate emEstimate(Dataset<Row> scores, String probsCol, double[] trainPrior, double tol, int maxIter,
                               int driverRows) {
        PriorChecks.requireProbabilities(scores.schema(), probsCol);
        if (!(tol >= 0) || maxIter < 1) {
            throw new IllegalArgumentException("EM needs tol >= 0 and maxIter >= 1, found " + tol + ", " + maxIter);
        }
        double[] train = Priors.normalise(trainPrior);
        // validates that every training class has positive prior
        PriorShift.ratio(train, train);
        int k = train.length;
        Column[] items = PriorShift.items(col(probsCol), k, probsCol);
        JavaRDD<double[]> probs = scores.select(array(items)).javaRDD()
                .map(row -> toDoubles(row.getList(0)))
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            // the same fixed-point sums either way, so both paths give the same estimate to the bit
            List<double[]> few = driverRows > 0 ? probs.take(driverRows + 1) : null;
            boolean onDriver = few != null && few.size() <= driverRows;
            if (onDriver) {
                probs.unpersist(false);
            }
            double[] prior = train.clone();
            double change = Double.NaN;
            for (int iteration = 1; iteration <= maxIter; iteration++) {
                double[] ratio = PriorShift.ratio(train, prior);
                double[] next = onDriver ? meanCorrected(few, probsCol, ratio, k) : meanCorrected(probs, probsCol, ratio, k);
                change = Priors.l1(next, prior);
                prior = next;
                if (change < tol) {
                    return new Estimate(prior, iteration, change);
                }
            }
            return new Estimate(prior, maxIter, change);
        } finally {
            probs.unpersist(false);
        }
    }

    private static double[] toDoubles(List<Object> values) {
        double[] out = new double[values.size()];
        for (int c = 0; c < out.length; c++) {
            out[c] = ((Number) values.get(c)).doubleValue();
        }
        return out;
    }

    /**
     * One pass: the column-wise mean of the reweighted posteriors, p·ratio / Σ p·ratio per row as
     * {@link PriorShift#corrected} computes it, summed in units of 2^-36 (exact: the same on any partitioning).
     */
    private static double[] meanCorrected(JavaRDD<double[]> probs, String probsCol, double[] ratio, int k) {
        String noMass = noMass(probsCol);
        return mean(probs.aggregate(new long[k + 1], (acc, p) -> addCorrected(acc, p, ratio, noMass), (a, b) -> {
            for (int c = 0; c <= k; c++) {
                a[c] += b[c];
            }
            return a;
        }), probsCol, k);
    }

    /** The same pass over the driver's copy of the rows. */
    private static double[] meanCorrected(List<double[]> probs, String probsCol, double[] ratio, int k) {
        String noMass = noMass(probsCol);
        long[] acc = new long[k + 1];
        for (double[] p : probs) {
            addCorrected(acc, p, ratio, noMass);
        }
        return mean(acc, probsCol, k);
    }

    private static String noMass(String probsCol) {
        return "column '" + probsCol + "' holds a probability vector with no mass on classes of positive target prior";
    }

    /** Adds one row's reweighted posterior, in units of 2^-36, and counts the row. */
    private static long[] addCorrected(long[] acc, double[] p, double[] ratio, String noMass) {
        int k = ratio.length;
        double[] weighted = new double[k];
        double total = 0.0;
        for (int c = 0; c < k; c++) {
            weighted[c] = p[c] * ratio[c];
            total += weighted[c];
        }
        if (!(total > 0.0)) {
            throw new IllegalArgumentException(noMass);
        }
        for (int c = 0; c < k; c++) {
            acc[c] += Math.round(weighted[c] / total * FixedPointSums.SCALE);
        }
        acc[k]++;
        return acc;
    }

    private static double[] mean(long[] sums, String probsCol, int k) {
        if (sums[k] == 0) {
            throw new IllegalArgumentException("no rows in column '" + probsCol + "' to estimate a prior from");
        }
        double[] mean = new double[k];
        for (int c = 0; c < k; c++) {
            mean[c] = FixedPointSums.value(sums[c]) / sums[k];
        }
        // guards against rounding drift of the sum
        return Priors.normalise(mean);
    }

    /**
     * Black-box shift estimation (Lipton et al.): with {@code C[i][j] = P(pred = i, y = j)} from the labeled
     * validation confusion ({@code confusion[truth][pred]}) and {@code μ̂} the target's predicted-class
     * distribution, solves {@code C w = μ̂}, clips negative weights to 0 and returns the renormalised
     * {@code π_target(y) = w(y) · π_val(y)}. A singular {@code C} (a class never predicted) falls back to
     * least squares.
     */
    public static double[] bbse(long[][] validationConfusion, double[] predictedDistribution) {
        int k = validationConfusion.length;
        if (predictedDistribution.length != k) {
            throw new IllegalArgumentException("confusion has " + k + " classes, predicted distribution "
                    + predictedDistribution.length);
        }
        long n = 0;
        for (int truth = 0; truth < k; truth++) {
            if (validationConfusion[truth].length != k) {
                throw new IllegalArgumentException("confusion must be square, row " + truth + " has "
                        + validationConfusion[truth].length);
            }
            for (long v : validationConfusion[truth]) {
                if (v < 0) {
                    throw new IllegalArgumentException("confusion counts must be non-negative, row " + truth);
                }
                n += v;
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("validation confusion is empty");
        }
        double[] mu = Priors.normalise(predictedDistribution);
        double[][] joint = new double[k][k];
        double[] validationPrior = new double[k];
        for (int truth = 0; truth < k; truth++) {
            for (int pred = 0; pred < k; pred++) {
                joint[pred][truth] = (double) validationConfusion[truth][pred] / n;
                validationPrior[truth] += joint[pred][truth];
            }
        }
        double[] w = LinearSystems.solve(joint, mu);
        double[] prior = new double[k];
        for (int y = 0; y < k; y++) {
            prior[y] = Math.max(w[y], 0) * validationPrior[y];
        }
        return Priors.normalise(prior);
    }

    /**
     * The fraction of rows predicted as each class ({@code μ̂} of {@link #bbse}), counted by a Spark groupBy.
     *
     * @throws IllegalArgumentException naming the column for a null or out-of-range class index
     */
    public static double[] predictedDistribution(Dataset<Row> scores, String predCol, int k) {
        DataType type = PriorChecks.require(scores.schema(), predCol).dataType();
        if (!(type instanceof IntegerType || type instanceof LongType || type instanceof ShortType
                || type instanceof ByteType)) {
            throw new IllegalArgumentException("column '" + predCol + "' must be an integer class index, found "
                    + type.simpleString());
        }
        // k valid indices at most: one row more proves an invalid one is among those collected
        List<Row> counts = scores.groupBy(col(predCol)).count().limit(k + 1).collectAsList();
        double[] fractions = new double[k];
        for (Row r : counts) {
            Object value = r.get(0);
            long index = value == null ? -1 : ((Number) value).longValue();
            if (index < 0 || index >= k) {
                throw new IllegalArgumentException("column '" + predCol + "' holds a class index outside [0, " + k
                        + "): " + value);
            }
            fractions[(int) index] += r.getLong(1);
        }
        if (counts.isEmpty()) {
            throw new IllegalArgumentException("no rows in column '" + predCol + "' to count predictions from");
        }
        return Priors.normalise(fractions);
    }
}
