package io.merspark.io;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Schema of {@code errors/stage=<s>/}: one row per rejected (sample, modality) with a reason. */
public final class ErrorTable {

    public static final String ALL_MODALITIES = "all";

    public static final StructType SCHEMA = new StructType()
            .add("sample_id", DataTypes.StringType, true)
            .add("modality", DataTypes.StringType, false)
            .add("reason", DataTypes.StringType, false);

    private ErrorTable() {
    }
}
