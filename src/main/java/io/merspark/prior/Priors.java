package io.merspark.prior;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Class priors as arrays aligned with the class list (index order). */
public final class Priors {

    private Priors() {
    }

    /**
     * The empirical prior of a label column (class counts / n), counted by a Spark groupBy. The column holds
     * class names (string) or class indices (integer). Classes absent from the data get 0.
     *
     * @throws IllegalArgumentException naming the column and value for a null or unknown label, or when the
     *                                  data is empty
     */
    public static double[] fromLabels(Dataset<Row> df, String labelCol, List<String> classes) {
        DataType type = PriorChecks.require(df.schema(), labelCol).dataType();
        boolean integral = type instanceof IntegerType || type instanceof LongType
                || type instanceof ShortType || type instanceof ByteType;
        if (!(type instanceof StringType) && !integral) {
            throw new IllegalArgumentException("column '" + labelCol
                    + "' must hold class names (string) or class indices (integer), found " + type.simpleString());
        }
        int k = classes.size();
        // k known values at most: one row more proves an unknown value is among those collected
        List<Row> counts = df.groupBy(df.col(labelCol)).count().limit(k + 1).collectAsList();
        long[] perClass = new long[k];
        for (Row r : counts) {
            Object value = r.get(0);
            int index = value == null ? -1
                    : type instanceof StringType ? classes.indexOf((String) value)
                    : indexInRange(((Number) value).longValue(), k);
            if (index < 0) {
                throw new IllegalArgumentException("column '" + labelCol + "' holds unknown class " + value
                        + "; classes: " + classes);
            }
            perClass[index] += r.getLong(1);
        }
        long n = Arrays.stream(perClass).sum();
        if (n == 0) {
            throw new IllegalArgumentException("no rows to count a prior from in column '" + labelCol + "'");
        }
        return Arrays.stream(perClass).mapToDouble(c -> (double) c / n).toArray();
    }

    /**
     * The weighted prior of a label column of class names: the sum of {@code weightCol} per class over the total
     * weight, one Spark aggregation. With pseudo-labels carrying their selection weight this is the effective
     * distribution a model was trained on. Classes absent from the data get 0.
     *
     * @throws IllegalArgumentException for an unknown class name or a total weight that is not positive
     */
    public static double[] fromWeightedLabels(Dataset<Row> df, String labelCol, String weightCol, List<String> classes) {
        PriorChecks.require(df.schema(), labelCol);
        PriorChecks.require(df.schema(), weightCol);
        int k = classes.size();
        // weights are in [0, 1]: exact sums, so the prior does not depend on the partitioning
        List<Row> sums = df.groupBy(df.col(labelCol)).agg(FixedPointSums.sumOf(df.col(weightCol).cast("double")))
                .limit(k + 1).collectAsList();
        double[] perClass = new double[k];
        for (Row r : sums) {
            int index = r.isNullAt(0) ? -1 : classes.indexOf(r.get(0).toString());
            if (index < 0) {
                throw new IllegalArgumentException("column '" + labelCol + "' holds unknown class " + r.get(0)
                        + "; classes: " + classes);
            }
            perClass[index] += r.isNullAt(1) ? 0 : FixedPointSums.value(r.getLong(1));
        }
        return normalise(perClass);
    }

    /**
     * A prior from configuration ({@code class name -> proportion}), renormalised to sum to 1. Every class must
     * be given, with a finite non-negative proportion, and nothing else.
     *
     * @throws IllegalArgumentException naming the offending class
     */
    public static double[] fromMap(Map<String, ? extends Number> proportions, List<String> classes) {
        for (String name : proportions.keySet()) {
            if (!classes.contains(name)) {
                throw new IllegalArgumentException("prior names unknown class '" + name + "'; classes: " + classes);
            }
        }
        double[] prior = new double[classes.size()];
        for (int c = 0; c < prior.length; c++) {
            String name = classes.get(c);
            Number value = proportions.get(name);
            if (value == null) {
                throw new IllegalArgumentException("prior has no proportion for class '" + name + "'");
            }
            double p = value.doubleValue();
            if (!(p >= 0) || Double.isInfinite(p)) {
                throw new IllegalArgumentException("prior proportion of class '" + name
                        + "' must be finite and non-negative, found " + p);
            }
            prior[c] = p;
        }
        return normalise(prior);
    }

    /** The array scaled to sum to 1; entries must be finite and non-negative with a positive sum. */
    public static double[] normalise(double[] weights) {
        double sum = 0;
        for (double w : weights) {
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException("prior entries must be finite and non-negative: "
                        + Arrays.toString(weights));
            }
            sum += w;
        }
        if (!(sum > 0)) {
            throw new IllegalArgumentException("prior entries sum to zero: " + Arrays.toString(weights));
        }
        double total = sum;
        return Arrays.stream(weights).map(w -> w / total).toArray();
    }

    /** L1 distance between two priors of the same length. */
    public static double l1(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("priors differ in length: " + a.length + " vs " + b.length);
        }
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d += Math.abs(a[i] - b[i]);
        }
        return d;
    }

    private static int indexInRange(long value, int k) {
        return value >= 0 && value < k ? (int) value : -1;
    }
}
