package io.merspark.bench;

import io.merspark.io.Layout;
import io.merspark.io.Storage;
import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The scaled root of {@code bench round}: copies of real feature rows, and synthetic speaker groups on request. */
@ExtendWith(SparkTestSession.class)
class ScaledRootTest {

    @Test
    void syntheticGroupsHashEachRowsOwnIdOnRequest(SparkSession spark, @TempDir Path dir) {
        Layout source = new Layout(dir.resolve("src").toString());
        spark.sql("SELECT * FROM VALUES ('t1','train','happy','A'),('t2','train','sad','B'),('x1','test','sad','A'),"
                        + "('u1','unlabeled',NULL,'C') AS m(sample_id, split, label, group)")
                .write().parquet(source.manifest());
        spark.sql("SELECT sample_id, array(1F) AS pooled, 'audio' AS modality, split FROM VALUES ('t1','train'),"
                        + "('t2','train'),('x1','test'),('u1','unlabeled') AS f(sample_id, split)")
                .write().partitionBy("modality", "split").parquet(source.features());
        Storage storage = new Storage(spark);

        Layout plain = new Layout(dir.resolve("plain").toString());
        ScaledRoot.build(spark, source, plain, 10, storage);
        Map<String, String> plainGroups = groups(spark, plain);
        assertEquals(13, plainGroups.size()); // 2 train + 1 test + 10 pool copies
        assertEquals("A", plainGroups.get("t1"));
        assertNull(plainGroups.get("pool0-t1"), "without --groups the copies have no speaker");

        Layout grouped = new Layout(dir.resolve("grouped").toString());
        ScaledRoot.build(spark, source, grouped, 10, 3, storage);
        Map<String, String> g = groups(spark, grouped);
        assertEquals(13, g.size());
        assertTrue(Set.of("g0", "g1", "g2").containsAll(g.values()), g.toString());
        // each row by its own id: the copies of one clip spread over the groups instead of forming one of their own
        for (Map.Entry<String, String> e : g.entrySet()) {
            assertEquals(expectedGroup(spark, e.getKey()), e.getValue(), e.getKey());
        }
        assertTrue(new HashSet<>(List.of(g.get("pool0-t1"), g.get("pool1-t1"), g.get("pool2-t1"))).size() > 1
                || new HashSet<>(List.of(g.get("pool0-t2"), g.get("pool1-t2"), g.get("pool2-t2"))).size() > 1,
                g.toString());
        assertEquals(13, spark.read().parquet(grouped.features()).count());
    }

    /** g + pmod(xxhash64(id), 3), computed by Spark itself. */
    private static String expectedGroup(SparkSession spark, String id) {
        return spark.sql("SELECT concat('g', CAST(pmod(xxhash64('" + id + "'), 3) AS STRING))").first().getString(0);
    }

    private static Map<String, String> groups(SparkSession spark, Layout l) {
        Map<String, String> out = new HashMap<>();
        for (Row r : spark.read().parquet(l.manifest()).collectAsList()) {
            out.put(r.getAs("sample_id"), r.getAs("group"));
        }
        return out;
    }
}
