package io.merspark.select;

import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;

/** Input-column checks shared by the selection stages; messages name the offending column. */
final class SchemaChecks {

    private SchemaChecks() {
    }

    static StructField require(StructType schema, String column) {
        if (!Arrays.asList(schema.fieldNames()).contains(column)) {
            throw new IllegalArgumentException("missing input column '" + column + "'; available: "
                    + String.join(", ", schema.fieldNames()));
        }
        return schema.apply(column);
    }

    static DataType requireNumeric(StructType schema, String column) {
        DataType type = require(schema, column).dataType();
        if (!(type instanceof NumericType)) {
            throw new IllegalArgumentException("column '" + column + "' must be numeric, found " + type.simpleString());
        }
        return type;
    }

    static DataType requireIntegral(StructType schema, String column) {
        DataType type = require(schema, column).dataType();
        boolean integral = type instanceof IntegerType || type instanceof LongType
                || type instanceof ShortType || type instanceof ByteType;
        if (!integral) {
            throw new IllegalArgumentException("column '" + column + "' must be an integer class index, found "
                    + type.simpleString());
        }
        return type;
    }

    static void requireAbsent(StructType schema, String column) {
        if (Arrays.asList(schema.fieldNames()).contains(column)) {
            throw new IllegalArgumentException("output column '" + column + "' already exists in the input");
        }
    }
}
