package io.merspark.extract;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;

import java.util.EnumMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Counts the outcomes per modality as they stream into the staging write, so the summary needs no second pass over
 * the staged table (accumulators of a result stage count each successful task once, retries included).
 */
final class OutcomeCounter implements MapPartitionsFunction<Row, Row> {

    private final Map<Modality, LongAccumulator> features = new EnumMap<>(Modality.class);
    private final Map<Modality, LongAccumulator> errors = new EnumMap<>(Modality.class);

    OutcomeCounter(SparkSession spark) {
        for (Modality m : Modality.values()) {
            features.put(m, spark.sparkContext().longAccumulator("extract." + m.key() + ".features"));
            errors.put(m, spark.sparkContext().longAccumulator("extract." + m.key() + ".errors"));
        }
    }

    long features(Modality m) {
        return features.get(m).value();
    }

    long errors(Modality m) {
        return errors.get(m).value();
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        int modality = Outcome.SCHEMA.fieldIndex("modality");
        int reason = Outcome.SCHEMA.fieldIndex("reason");
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public Row next() {
                Row r = rows.next();
                Modality m = Modality.of(r.getString(modality));
                (r.isNullAt(reason) ? features : errors).get(m).add(1);
                return r;
            }
        };
    }
}
