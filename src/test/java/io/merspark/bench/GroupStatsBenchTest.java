package io.merspark.bench;

import io.merspark.features.GroupSumsLedger;
import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** {@code bench group-stats} on a small root: the four passes, what each did, and equal statistics both ways. */
@ExtendWith(SparkTestSession.class)
class GroupStatsBenchTest {

    @Test
    void theAppendIsSummedFromItsOwnFilesAndMatchesAFullPass(SparkSession spark, @TempDir Path dir) {
        String root = dir.resolve("src").toString();
        spark.sql("SELECT * FROM VALUES ('t1','train','happy','A'),('t2','train','sad','B'),('x1','test','sad','A'),"
                        + "('u1','unlabeled',NULL,'C') AS m(sample_id, split, label, group)")
                .write().parquet(root + "/manifest");
        spark.sql("SELECT sample_id, array(v, v * 2F) AS pooled, 'audio' AS modality, split FROM VALUES "
                        + "('t1','train',1F),('t2','train',4F),('x1','test',9F),('u1','unlabeled',16F)"
                        + " AS f(sample_id, split, v)")
                .write().partitionBy("modality", "split").parquet(root + "/features");
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        List<GroupStatsBench.Pass> passes = new GroupStatsBench(spark).run(root, 20, 3, 8, 2, List.of("audio"),
                false, new PrintStream(out, true, StandardCharsets.UTF_8));

        assertEquals(4, passes.size());
        GroupSumsLedger.Update first = passes.get(0).last();
        GroupSumsLedger.Update full = passes.get(1).last();
        GroupSumsLedger.Update incremental = passes.get(2).last();
        GroupSumsLedger.Update unchanged = passes.get(3).last();
        assertEquals(GroupSumsLedger.Mode.FULL, first.mode());
        assertEquals(23, first.rows(), "3 gold clips + 20 pool copies");
        assertEquals(GroupSumsLedger.Mode.FULL, full.mode());
        assertEquals(31, full.rows(), "and 8 appended");
        assertEquals(GroupSumsLedger.Mode.INCREMENTAL, incremental.mode());
        assertEquals(8, incremental.added());
        assertEquals(0, incremental.removed());
        assertEquals(GroupSumsLedger.Mode.UNCHANGED, unchanged.mode());
        assertEquals(2, passes.get(1).seconds().size());
        assertEquals(2, passes.get(2).seconds().size());
        String md = out.toString(StandardCharsets.UTF_8);
        assertTrue(md.contains("statistics, incremental vs full: max |difference| 0.00, max relative 0.00"), md);
        assertTrue(md.contains("| incremental | 8 / 0 |"), md);
    }
}
