package io.merspark.io;

import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/** The transient flag of an error row: the column where it was written, the reason for rows from before it. */
@ExtendWith(SparkTestSession.class)
class ErrorKindTest {

    @Test
    void flagWinsAndOldRowsAreClassifiedByReason(SparkSession spark) {
        StructType schema = new StructType().add("sample_id", DataTypes.StringType).add("reason", DataTypes.StringType)
                .add(ErrorKind.COLUMN, DataTypes.BooleanType, true);
        List<Row> rows = List.of(
                RowFactory.create("old_missing", "file not found: /media/a.mp4", null),
                RowFactory.create("old_unreadable", "not a readable file: /media/b.mp4", null),
                RowFactory.create("old_empty", "empty file: /media/c.mp4", null),
                RowFactory.create("old_corrupt", "truncated or corrupt video, no video frames decoded: d.mp4", null),
                RowFactory.create("old_codec", "not a media file: e.mp4", null),
                RowFactory.create("old_text", "blank transcript", null),
                RowFactory.create("new_flagged", "some new reason", true),
                RowFactory.create("new_unflagged", "file not found: /media/f.mp4", false));
        Map<String, Boolean> flags = spark.createDataFrame(rows, schema)
                .select(org.apache.spark.sql.functions.col("sample_id"), ErrorKind.isTransient().as("t"))
                .collectAsList().stream().collect(Collectors.toMap(r -> r.getString(0), r -> r.getBoolean(1)));
        assertEquals(Map.of("old_missing", true, "old_unreadable", true, "old_empty", true, "old_corrupt", false,
                "old_codec", false, "old_text", false, "new_flagged", true, "new_unflagged", false), flags);
        assertTrue(ErrorKind.isTransientReason("file not found: x"));
        assertFalse(ErrorKind.isTransientReason("video decoding failed (corrupt or truncated): x"));
        assertFalse(ErrorKind.isTransientReason(null));
    }
}
