package io.merspark.features;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;
import java.util.List;

/**
 * Count, sum and sum of squares of pooled vectors and of token vectors, in double: the sufficient statistics of a
 * mean and a standard deviation, so the statistics of a union are the sums' sum and a clip taken out is a
 * subtraction ({@link #negated}). {@link GroupSumsLedger} keeps them per group and modality between rounds.
 */
final class FeatureSums implements Serializable {

    /** The ledger's sums table: one row per group (null: clips without one) and modality. */
    static final StructType SCHEMA = new StructType()
            .add("group", DataTypes.StringType, true)
            .add("modality", DataTypes.StringType, false)
            .add("clips", DataTypes.LongType, false)
            .add("sum", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
            .add("sum_sq", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
            .add("tokens", DataTypes.LongType, false)
            .add("token_sum", DataTypes.createArrayType(DataTypes.DoubleType, false), true)
            .add("token_sum_sq", DataTypes.createArrayType(DataTypes.DoubleType, false), true);

    private static final double MIN_STD = 1e-6;

    long clips;
    double[] sum;
    double[] sumSq;
    long tokens;
    double[] tokenSum;
    double[] tokenSumSq;

    /** One clip's sums: its pooled vector and its tokens (null: none read). */
    static FeatureSums of(float[] pooled, float[][] tokens) {
        FeatureSums s = new FeatureSums();
        s.clips = 1;
        s.sum = new double[pooled.length];
        s.sumSq = new double[pooled.length];
        add(pooled, s.sum, s.sumSq);
        if (tokens != null) {
            for (float[] v : tokens) {
                if (s.tokenSum == null) {
                    s.tokenSum = new double[v.length];
                    s.tokenSumSq = new double[v.length];
                }
                add(v, s.tokenSum, s.tokenSumSq);
                s.tokens++;
            }
        }
        return s;
    }

    private static void add(float[] v, double[] sum, double[] sumSq) {
        for (int d = 0; d < sum.length; d++) {
            double x = v[d];
            sum[d] += x;
            sumSq[d] += x * x;
        }
    }

    FeatureSums plus(FeatureSums o) {
        FeatureSums s = new FeatureSums();
        s.clips = clips + o.clips;
        s.sum = add(sum, o.sum);
        s.sumSq = add(sumSq, o.sumSq);
        s.tokens = tokens + o.tokens;
        s.tokenSum = s.tokens == 0 ? null : add(tokenSum, o.tokenSum);
        s.tokenSumSq = s.tokens == 0 ? null : add(tokenSumSq, o.tokenSumSq);
        return s;
    }

    /** The sums with every count and value negated: added to a total, they take these clips out of it. */
    FeatureSums negated() {
        FeatureSums s = new FeatureSums();
        s.clips = -clips;
        s.sum = negate(sum);
        s.sumSq = negate(sumSq);
        s.tokens = -tokens;
        s.tokenSum = negate(tokenSum);
        s.tokenSumSq = negate(tokenSumSq);
        return s;
    }

    private static double[] negate(double[] a) {
        if (a == null) {
            return null;
        }
        double[] out = new double[a.length];
        for (int d = 0; d < a.length; d++) {
            out[d] = -a[d];
        }
        return out;
    }

    private static double[] add(double[] a, double[] b) {
        if (a == null) {
            return b == null ? null : b.clone();
        }
        if (b == null) {
            return a.clone();
        }
        double[] out = new double[a.length];
        for (int d = 0; d < a.length; d++) {
            out[d] = a[d] + b[d];
        }
        return out;
    }

    /** The ledger row of these sums ({@link #SCHEMA}). */
    Row toRow(String group, String modality) {
        return RowFactory.create(group, modality, clips, sum, sumSq, tokens, tokenSum, tokenSumSq);
    }

    /** Sums read back from a ledger row ({@link #SCHEMA}'s order). */
    static FeatureSums fromRow(Row r) {
        FeatureSums s = new FeatureSums();
        s.clips = r.getLong(2);
        s.sum = doubles(r, 3);
        s.sumSq = doubles(r, 4);
        s.tokens = r.getLong(5);
        s.tokenSum = doubles(r, 6);
        s.tokenSumSq = doubles(r, 7);
        return s;
    }

    private static double[] doubles(Row r, int i) {
        if (r.isNullAt(i)) {
            return null;
        }
        List<Double> values = r.getList(i);
        double[] out = new double[values.size()];
        for (int d = 0; d < out.length; d++) {
            out[d] = values.get(d);
        }
        return out;
    }

    /** The statistics row ({@link GroupNormalization#SCHEMA}) of these sums, for a group or for all clips. */
    Row statistics(boolean allClips, String group, String modality) {
        boolean anyTokens = tokens > 0 && tokenSum != null;
        return RowFactory.create(allClips, group, modality, clips, mean(sum, clips), std(sum, sumSq, clips),
                anyTokens ? tokens : 0L, anyTokens ? mean(tokenSum, tokens) : null,
                anyTokens ? std(tokenSum, tokenSumSq, tokens) : null);
    }

    private static float[] mean(double[] sum, long n) {
        float[] out = new float[sum.length];
        for (int d = 0; d < sum.length; d++) {
            out[d] = (float) (sum[d] / n);
        }
        return out;
    }

    /** Population standard deviation; 1 where a dimension is constant, so it is left centred, not blown up. */
    private static float[] std(double[] sum, double[] sumSq, long n) {
        float[] out = new float[sum.length];
        for (int d = 0; d < sum.length; d++) {
            double mu = sum[d] / n;
            double sd = Math.sqrt(Math.max(0, sumSq[d] / n - mu * mu));
            out[d] = (float) (sd < MIN_STD ? 1 : sd);
        }
        return out;
    }
}
