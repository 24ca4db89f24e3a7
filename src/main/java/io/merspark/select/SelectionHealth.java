package io.merspark.select;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map;
import static org.apache.spark.sql.functions.row_number;

/**
 * The collapse guard: compares a round's accepted pseudo-label mix with the training prior. A class holding more
 * than {@value #MAX_PRIOR_RATIO} times its prior share of the accepted labels is a collapse (self-training
 * amplifies the class the model over-predicts on a shifted pool); with the guard on it is rebalanced by quota:
 * each class keeps its most confident rows (ties by ascending sample id) up to {@code floor(2 * prior_c * T)},
 * where {@code T} is the kept total, found as the fixed point of capping (capping lowers {@code T}, which
 * lowers the caps), so after the quota no class exceeds twice its prior share.
 *
 * <p>Only the per-class counts (one aggregation) reach the driver; the quota is a window per class.
 */
public final class SelectionHealth {

    /** A class may hold at most this multiple of its prior share of the accepted labels. */
    public static final double MAX_PRIOR_RATIO = 2.0;

    private static final String RANK = "__health_rank";

    /**
     * What the guard found and did. {@code status} is {@code ok}, {@code collapsed} (found, guard off) or
     * {@code rebalanced}; {@code kept} are the accepted rows after the guard.
     */
    public record Result(String status, Map<String, Long> acceptedBefore, Map<String, Long> acceptedAfter,
                         Map<String, Double> prior, List<String> collapsedClasses, Map<String, Long> dropped,
                         Dataset<Row> kept) {

        public Map<String, Object> toJson(Map<String, Double> previousShares) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("status", status);
            out.put("max_prior_ratio", MAX_PRIOR_RATIO);
            out.put("collapsed_classes", collapsedClasses);
            out.put("prior", prior);
            out.put("shares_before", shares(acceptedBefore));
            out.put("shares", shares(acceptedAfter));
            if (previousShares != null) {
                out.put("previous_round_shares", previousShares);
            }
            out.put("accepted_before", acceptedBefore);
            out.put("accepted", acceptedAfter);
            out.put("dropped", dropped);
            return out;
        }
    }

    private SelectionHealth() {
    }

    /**
     * Checks {@code accepted} (columns {@code labelCol}, {@code confidence}, {@code sample_id}) against
     * {@code prior} (class name to share, aligned with {@code classes}); rebalances a collapse when
     * {@code rebalance}.
     */
    public static Result check(Dataset<Row> accepted, String labelCol, List<String> classes, double[] prior,
                               boolean rebalance) {
        Map<String, Long> before = counts(accepted, labelCol, classes);
        Map<String, Double> priorMap = new LinkedHashMap<>();
        for (int c = 0; c < classes.size(); c++) {
            priorMap.put(classes.get(c), prior[c]);
        }
        List<String> collapsed = collapsedClasses(before, priorMap);
        if (collapsed.isEmpty()) {
            return new Result("ok", before, before, priorMap, collapsed, zeros(classes), accepted);
        }
        if (!rebalance) {
            return new Result("collapsed", before, before, priorMap, collapsed, zeros(classes), accepted);
        }
        Map<String, Long> caps = caps(before, priorMap);
        List<Column> entries = new ArrayList<>();
        caps.forEach((cls, cap) -> {
            entries.add(lit(cls));
            entries.add(lit(cap));
        });
        Dataset<Row> kept = accepted
                .withColumn(RANK, row_number().over(Window.partitionBy(col(labelCol))
                        .orderBy(col("confidence").desc_nulls_last(), col("sample_id").asc_nulls_last())))
                .filter(col(RANK).leq(element_at(map(entries.toArray(Column[]::new)), col(labelCol))))
                .drop(RANK);
        Map<String, Long> dropped = new LinkedHashMap<>();
        before.forEach((cls, n) -> dropped.put(cls, n - caps.get(cls)));
        return new Result("rebalanced", before, caps, priorMap, collapsed, dropped, kept);
    }

    /** Classes whose share of {@code counts} is above twice their prior share. */
    static List<String> collapsedClasses(Map<String, Long> counts, Map<String, Double> prior) {
        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        List<String> out = new ArrayList<>();
        if (total == 0) {
            return out;
        }
        counts.forEach((cls, n) -> {
            if ((double) n / total > MAX_PRIOR_RATIO * prior.get(cls) + 1e-12) {
                out.add(cls);
            }
        });
        return out;
    }

    /**
     * The kept count per class: {@code min(n_c, floor(2 * prior_c * T))} with {@code T} their sum, iterated from
     * {@code T = sum n_c} until {@code T} stops falling.
     */
    static Map<String, Long> caps(Map<String, Long> counts, Map<String, Double> prior) {
        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        Map<String, Long> kept = new LinkedHashMap<>(counts);
        while (true) {
            long t = total;
            counts.forEach((cls, n) -> kept.put(cls, Math.min(n, (long) Math.floor(MAX_PRIOR_RATIO * prior.get(cls) * t
                    + 1e-9))));
            long next = kept.values().stream().mapToLong(Long::longValue).sum();
            if (next == total) {
                return kept;
            }
            total = next;
        }
    }

    static Map<String, Long> counts(Dataset<Row> accepted, String labelCol, List<String> classes) {
        Map<String, Long> out = zeros(classes);
        for (Row r : accepted.groupBy(labelCol).count().collectAsList()) {
            out.put(r.getString(0), r.getLong(1));
        }
        return out;
    }

    static Map<String, Double> shares(Map<String, Long> counts) {
        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        Map<String, Double> out = new LinkedHashMap<>();
        counts.forEach((cls, n) -> out.put(cls, total == 0 ? 0.0 : (double) n / total));
        return out;
    }

    private static Map<String, Long> zeros(List<String> classes) {
        Map<String, Long> out = new LinkedHashMap<>();
        classes.forEach(c -> out.put(c, 0L));
        return out;
    }
}
