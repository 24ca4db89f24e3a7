package io.merspark.evaluate;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.List;

/**
 * How well a round's model labels the whole unlabeled pool, judged against the pool's held-back truth (known only
 * for a benchmark corpus, {@code mer.evaluate.truth}). In round 1 no pool row has trained anything, so on a
 * speaker-disjoint corpus this is a second held-out set of unseen speakers beside the test split: one a
 * configuration can be chosen on while the test split stays a report.
 */
public final class PoolTruthMetrics {

    private PoolTruthMetrics() {
    }

    /**
     * @param scores the round's scores ({@code sample_id}, {@code pred} as a class index)
     * @param truth  {@code sample_id}, {@code label} (class names); pool rows without truth are left out
     */
    public static ClassificationMetrics of(Dataset<Row> scores, Dataset<Row> truth, List<String> classes) {
        Dataset<Row> matched = scores.select("sample_id", "pred")
                .join(truth.select("sample_id", "label"), "sample_id");
        return ConfusionCounter.metrics(matched, "label", "pred", classes);
    }
}
