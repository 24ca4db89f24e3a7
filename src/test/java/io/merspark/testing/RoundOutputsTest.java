package io.merspark.testing;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The comparison the determinism tests rely on tells tables apart by a single bit of a single float. */
@ExtendWith(SparkTestSession.class)
class RoundOutputsTest {

    @Test
    void tablesAreEqualOnlyWhenEveryFloatHasTheSameBits(SparkSession spark, @TempDir Path dir) {
        String same = write(spark, dir, "same", "1.0");
        String copy = write(spark, dir, "copy", "1.0");
        String oneUlp = write(spark, dir, "ulp", "1.0000001");
        String negativeZero = write(spark, dir, "neg", "1.0", "-0.0");
        String zero = write(spark, dir, "zero", "1.0", "0.0");

        RoundOutputs.assertSameTable(spark, same, copy, "sample_id");
        assertThrows(AssertionError.class, () -> RoundOutputs.assertSameTable(spark, same, oneUlp, "sample_id"));
        // equal as numbers (and as Rows), not as bits
        assertEquals(spark.read().parquet(negativeZero).collectAsList(), spark.read().parquet(zero).collectAsList());
        assertThrows(AssertionError.class, () -> RoundOutputs.assertSameTable(spark, negativeZero, zero, "sample_id"));
    }

    /** Two rows, written in the opposite order to how they sort; row "b" holds the given floats. */
    private static String write(SparkSession spark, Path dir, String name, String... floats) {
        String array = String.join(", ", java.util.Arrays.stream(floats).map(f -> "cast('" + f + "' as float)").toList());
        String path = dir.resolve(name).toString();
        spark.sql("select 'b' as sample_id, array(" + array + ") as v, cast(0.5 as double) as p"
                + " union all select 'a', array(cast(2 as float)), cast(0.25 as double)").write().parquet(path);
        return path;
    }
}
