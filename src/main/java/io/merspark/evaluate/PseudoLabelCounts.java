package io.merspark.evaluate;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Accepted pseudo-labels per class (the round's {@code accepted_per_class}), to watch class imbalance grow. */
public final class PseudoLabelCounts {

    private PseudoLabelCounts() {
    }

    /**
     * Counts of {@code labelCol} in class order, with 0 for classes nothing was accepted for.
     *
     * @throws IllegalArgumentException naming a label that is not one of {@code classes}
     */
    public static Map<String, Long> perClass(Dataset<Row> pseudo, String labelCol, List<String> classes) {
        Map<String, Long> counts = new LinkedHashMap<>();
        classes.forEach(c -> counts.put(c, 0L));
        // at most k known labels: one row more proves an unknown one is among those collected
        for (Row r : pseudo.groupBy(labelCol).count().limit(classes.size() + 1).collectAsList()) {
            String label = r.getString(0);
            if (!counts.containsKey(label)) {
                throw new IllegalArgumentException("column '" + labelCol + "' holds unknown class " + label
                        + "; classes: " + classes);
            }
            counts.put(label, r.getLong(1));
        }
        return counts;
    }
}
