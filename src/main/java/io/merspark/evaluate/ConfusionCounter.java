package io.merspark.evaluate;

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

/**
 * Confusion matrix ({@code confusion[truth][pred]}) of a DataFrame, counted by a Spark groupBy. Each column
 * holds class names or class indices (checked per column), so a string truth label can meet an int
 * {@code pred} straight from the scores table.
 */
public final class ConfusionCounter {

    private ConfusionCounter() {
    }

    /**
     * @throws IllegalArgumentException naming the column and value when a label or prediction is null or not
     *                                  one of {@code classes}
     */
    public static long[][] confusion(Dataset<Row> df, String labelCol, String predCol, List<String> classes) {
        ClassColumn truth = ClassColumn.of(df, labelCol, classes);
        ClassColumn pred = ClassColumn.of(df, predCol, classes);
        int k = classes.size();
        // Known pairs are at most k^2: one row more proves an unknown value is among those collected.
        List<Row> counts = df.groupBy(df.col(labelCol), df.col(predCol)).count()
                .limit(k * k + 1)
                .collectAsList();
        long[][] confusion = new long[k][k];
        for (Row r : counts) {
            confusion[truth.index(r.get(0))][pred.index(r.get(1))] += r.getLong(2);
        }
        return confusion;
    }

    public static ClassificationMetrics metrics(Dataset<Row> df, String labelCol, String predCol,
                                                List<String> classes) {
        return ClassificationMetrics.fromConfusion(confusion(df, labelCol, predCol, classes));
    }

    /** Maps one column's values to class indices. */
    private record ClassColumn(String name, List<String> classes, boolean byName) {

        static ClassColumn of(Dataset<Row> df, String column, List<String> classes) {
            if (!Arrays.asList(df.columns()).contains(column)) {
                throw new IllegalArgumentException("missing column '" + column + "'; available: "
                        + String.join(", ", df.columns()));
            }
            DataType type = df.schema().apply(column).dataType();
            boolean integral = type instanceof IntegerType || type instanceof LongType
                    || type instanceof ShortType || type instanceof ByteType;
            if (!(type instanceof StringType) && !integral) {
                throw new IllegalArgumentException("column '" + column
                        + "' must hold class names (string) or class indices (integer), found " + type.simpleString());
            }
            return new ClassColumn(column, classes, type instanceof StringType);
        }

        int index(Object value) {
            int index = value == null ? -1
                    : byName ? classes.indexOf((String) value)
                    : inRange(((Number) value).longValue());
            if (index < 0) {
                throw new IllegalArgumentException("column '" + name + "' holds unknown class " + value
                        + "; classes: " + classes);
            }
            return index;
        }

        private int inRange(long value) {
            return value >= 0 && value < classes.size() ? (int) value : -1;
        }
    }
}
