package io.merspark.pipeline;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;

/**
 * Caps the pseudo-labels a round trains on at a budget, so training cost follows the budget and not the pool.
 * Each class gets a share of the budget proportional to its share of the accepted rows (largest remainder, ties to
 * the earlier class in {@code mer.classes}); inside a class the most confident rows are kept, ties broken by
 * sample_id. Only the per-class counts reach the driver; the rows are chosen by a window on the executors.
 */
public final class PseudoLabelBudget {

    private static final String RANK = "_budget_rank";

    /** The chosen rows and what was available and used, per class in class order. */
    public record Selection(Dataset<Row> kept, int budget, Map<String, Long> available, Map<String, Long> used) {

        public long availableTotal() {
            return available.values().stream().mapToLong(Long::longValue).sum();
        }

        public long usedTotal() {
            return used.values().stream().mapToLong(Long::longValue).sum();
        }

        /** What train.json records: the budget, rows available and used, and left out per class. */
        public Map<String, Object> toJson() {
            Map<String, Long> leftOut = new LinkedHashMap<>();
            available.forEach((c, n) -> leftOut.put(c, n - used.get(c)));
            return Json.object("budget", budget, "available", availableTotal(), "used", usedTotal(),
                    "available_per_class", available, "used_per_class", used, "left_out_per_class", leftOut);
        }
    }

    private PseudoLabelBudget() {
    }

    /**
     * @param pseudo rows with {@code sample_id}, {@code label} (a class name) and {@code confidence}
     * @param budget most rows to keep; 0 keeps every row
     */
    public static Selection apply(Dataset<Row> pseudo, int budget, List<String> classes) {
        Map<String, Long> available = new LinkedHashMap<>();
        classes.forEach(c -> available.put(c, 0L));
        for (Row r : pseudo.groupBy("label").agg(count(lit(1))).collectAsList()) {
            available.put(r.getString(0), r.getLong(1));
        }
        Map<String, Long> quota = quotas(available, budget);
        if (quota.equals(available)) {
            return new Selection(pseudo, budget, available, available);
        }
        Column limit = lit(0L);
        for (Map.Entry<String, Long> e : quota.entrySet()) {
            limit = when(col("label").equalTo(e.getKey()), lit(e.getValue())).otherwise(limit);
        }
        Dataset<Row> kept = pseudo
                .withColumn(RANK, row_number().over(Window.partitionBy("label")
                        .orderBy(col("confidence").desc(), col("sample_id").asc())))
                .where(col(RANK).leq(limit))
                .drop(RANK);
        return new Selection(kept, budget, available, quota);
    }

    /** Rows per class: all of them within the budget, else shares of the budget by largest remainder. */
    static Map<String, Long> quotas(Map<String, Long> available, int budget) {
        long total = available.values().stream().mapToLong(Long::longValue).sum();
        if (budget == 0 || total <= budget) {
            return new LinkedHashMap<>(available);
        }
        Map<String, Long> quota = new LinkedHashMap<>();
        List<Map.Entry<String, Double>> remainders = new ArrayList<>();
        long given = 0;
        for (Map.Entry<String, Long> e : available.entrySet()) {
            double exact = (double) budget * e.getValue() / total;
            long floor = (long) Math.floor(exact);
            quota.put(e.getKey(), floor);
            given += floor;
            remainders.add(Map.entry(e.getKey(), exact - floor));
        }
        // a stable sort keeps class order among equal remainders
        remainders.sort(Comparator.comparing((Map.Entry<String, Double> e) -> e.getValue()).reversed());
        for (int i = 0; given < budget; i++, given++) {
            quota.merge(remainders.get(i).getKey(), 1L, Long::sum);
        }
        return quota;
    }
}
