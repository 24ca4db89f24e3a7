package io.merspark.features;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A round's per-group statistics held in memory (one entry per group and modality: a small table), applied in
 * plain Java to each clip's decoded arrays: (v − mean) / std per dimension. The scorer calls it on the arrays it
 * decodes anyway, so standardising the pool costs the arithmetic and nothing else; {@link #apply} does the same to
 * the rows of a table (training rows, logistic-regression scoring).
 *
 * <p>Which statistics a clip gets is {@link GroupNormalization}'s rule: its group's when the group has at least
 * {@code minClips} clips of the modality, all clips' otherwise (and for a clip without a group); token statistics the
 * same, falling back to all clips' where the group has none. A modality without statistics comes out null, as the
 * arithmetic with a missing operand would.
 */
public final class GroupStandardiser implements Serializable {

    /** Mean and standard deviation of one modality's pooled vectors and of its token vectors (null when none). */
    record Stats(float[] pooledMean, float[] pooledStd, float[] tokenMean, float[] tokenStd) implements Serializable {
    }

    private final List<String> modalities;
    private final Map<String, Stats[]> perGroup;
    private final Stats[] allClips;

    GroupStandardiser(List<String> modalities, Map<String, Stats[]> perGroup, Stats[] allClips) {
        this.modalities = List.copyOf(modalities);
        this.perGroup = perGroup;
        this.allClips = allClips;
    }

    /**
     * From statistics rows ({@link GroupNormalization#SCHEMA}) already limited to {@code modalities} and to groups
     * with at least min-clips clips ({@link GroupNormalization#standardiser} filters before collecting).
     */
    static GroupStandardiser of(List<Row> statistics, List<String> modalities) {
        Map<String, Stats[]> perGroup = new HashMap<>();
        Stats[] all = new Stats[modalities.size()];
        for (Row r : statistics) {
            int m = modalities.indexOf(r.<String>getAs("modality"));
            Stats s = new Stats(floats(r, "pooled_mean"), floats(r, "pooled_std"), floats(r, "tokens_mean"),
                    floats(r, "tokens_std"));
            if (r.<Boolean>getAs("all_clips")) {
                all[m] = s;
            } else {
                perGroup.computeIfAbsent(r.getAs("group"), g -> new Stats[modalities.size()])[m] = s;
            }
        }
        return new GroupStandardiser(modalities, perGroup, all);
    }

    private static float[] floats(Row r, String field) {
        int i = r.fieldIndex(field);
        return r.isNullAt(i) ? null : PooledFeatures.floats(r.getList(i));
    }

    public List<String> modalities() {
        return modalities;
    }

    /** Groups with their own statistics (at least min-clips clips in some modality). */
    public int groups() {
        return perGroup.size();
    }

    /**
     * Standardises one clip in place: {@code pooled[m]} and {@code tokens[m][t]} (modality order of
     * {@link #modalities()}; {@code tokens} may be null, entries of either may be null). An entry whose statistics
     * are missing becomes null.
     */
    public void standardise(String group, float[][] pooled, float[][][] tokens) {
        Stats[] own = group == null ? null : perGroup.get(group);
        for (int m = 0; m < modalities.size(); m++) {
            Stats g = own == null ? null : own[m];
            Stats a = allClips[m];
            if (pooled[m] != null) {
                Stats s = g != null ? g : a;
                pooled[m] = s == null ? null : standardise(pooled[m], s.pooledMean(), s.pooledStd(), m);
            }
            if (tokens != null && tokens[m] != null) {
                float[] mean = g != null && g.tokenMean() != null ? g.tokenMean() : a == null ? null : a.tokenMean();
                float[] std = g != null && g.tokenStd() != null ? g.tokenStd() : a == null ? null : a.tokenStd();
                if (mean == null || std == null) {
                    tokens[m] = null;
                    continue;
                }
                for (float[] token : tokens[m]) {
                    standardise(token, mean, std, m);
                }
            }
        }
    }

    /** In place; float arithmetic throughout (a float quotient rounded from double is the same float). */
    private float[] standardise(float[] v, float[] mean, float[] std, int m) {
        if (v.length != mean.length) {
            throw new IllegalStateException("a " + modalities.get(m) + " vector of " + v.length
                    + " dimensions against statistics of " + mean.length + ": the features table mixes encoders");
        }
        for (int d = 0; d < v.length; d++) {
            v[d] = (v[d] - mean[d]) / std[d];
        }
        return v;
    }

    /**
     * {@code rows} (one per sample, a pooled column per modality and with {@code tokens} a token column
     * {@link TokenFeatures#tokensColumn}) with those columns standardised by the group in {@code groupColumn}; the
     * other columns pass through. The statistics travel as one broadcast.
     */
    public Dataset<Row> apply(Dataset<Row> rows, String groupColumn, boolean tokens) {
        Broadcast<GroupStandardiser> stats = JavaSparkContext.fromSparkContext(rows.sparkSession().sparkContext())
                .broadcast(this);
        List<String> columns = Arrays.asList(rows.columns());
        int group = columns.indexOf(groupColumn);
        int[] pooledAt = new int[modalities.size()];
        int[] tokensAt = new int[modalities.size()];
        for (int m = 0; m < modalities.size(); m++) {
            pooledAt[m] = columns.indexOf(modalities.get(m));
            tokensAt[m] = tokens ? columns.indexOf(TokenFeatures.tokensColumn(modalities.get(m))) : -1;
        }
        MapFunction<Row, Row> fn = r -> standardiseRow(r, stats.value(), group, pooledAt, tokensAt);
        return rows.map(fn, Encoders.row(rows.schema()));
    }

    /** Decodes, standardises and re-encodes one row's feature columns. */
    private static Row standardiseRow(Row r, GroupStandardiser stats, int group, int[] pooledAt, int[] tokensAt) {
        int n = pooledAt.length;
        float[][] pooled = new float[n][];
        float[][][] tokens = new float[n][][];
        for (int m = 0; m < n; m++) {
            if (pooledAt[m] >= 0 && !r.isNullAt(pooledAt[m])) {
                pooled[m] = PooledFeatures.floats(r.getList(pooledAt[m]));
            }
            if (tokensAt[m] >= 0 && !r.isNullAt(tokensAt[m])) {
                tokens[m] = TokenFeatures.floats(r.getList(tokensAt[m]));
            }
        }
        stats.standardise(r.isNullAt(group) ? null : r.getString(group), pooled, tokens);
        Object[] values = new Object[r.length()];
        for (int i = 0; i < values.length; i++) {
            values[i] = r.get(i);
        }
        for (int m = 0; m < n; m++) {
            if (pooledAt[m] >= 0) {
                values[pooledAt[m]] = pooled[m] == null ? null : PooledFeatures.seq(pooled[m]);
            }
            if (tokensAt[m] >= 0) {
                values[tokensAt[m]] = tokens[m] == null ? null : seq(tokens[m]);
            }
        }
        return RowFactory.create(values);
    }

    private static scala.collection.immutable.Seq<scala.collection.immutable.Seq<Float>> seq(float[][] v) {
        List<scala.collection.immutable.Seq<Float>> out = new ArrayList<>(v.length);
        for (float[] x : v) {
            out.add(PooledFeatures.seq(x));
        }
        return scala.jdk.javaapi.CollectionConverters.asScala(out).toList();
    }
}
