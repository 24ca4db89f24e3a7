package io.merspark.prior;

import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;

/** Input-column checks of the prior stages; messages name the offending column. */
final class PriorChecks {

    private PriorChecks() {
    }

    static StructField require(StructType schema, String column) {
        if (!Arrays.asList(schema.fieldNames()).contains(column)) {
            throw new IllegalArgumentException("missing input column '" + column + "'; available: "
                    + String.join(", ", schema.fieldNames()));
        }
        return schema.apply(column);
    }

    /** A probability vector column: array of a numeric type. */
    static void requireProbabilities(StructType schema, String column) {
        DataType type = require(schema, column).dataType();
        if (!(type instanceof ArrayType a) || !(a.elementType() instanceof NumericType)) {
            throw new IllegalArgumentException("column '" + column
                    + "' must be an array of class probabilities, found " + type.simpleString());
        }
    }

    /** One probability vector per ensemble member: array of arrays of a numeric type. */
    static void requireMemberProbabilities(StructType schema, String column) {
        DataType type = require(schema, column).dataType();
        if (!(type instanceof ArrayType outer) || !(outer.elementType() instanceof ArrayType inner)
                || !(inner.elementType() instanceof NumericType)) {
            throw new IllegalArgumentException("column '" + column
                    + "' must be an array of per-member probability arrays, found " + type.simpleString());
        }
    }

    static void requireAbsent(StructType schema, String column) {
        if (Arrays.asList(schema.fieldNames()).contains(column)) {
            throw new IllegalArgumentException("output column '" + column + "' already exists in the input");
        }
    }
}
