package io.merspark.features;

import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.*;

/** Per-group standardisation: exact statistics, each clip by its own group, small or missing groups by all clips. */
@ExtendWith(SparkTestSession.class)
class GroupNormalizationTest {

    private static Dataset<Row> features;
    private static Dataset<Row> groups;

    @BeforeAll
    static void data(SparkSession spark) {
        // audio: pooled 2-d, tokens for a1 and a2; text: pooled 1-d for a1 only. x1 has features but no manifest row.
        features = spark.sql("SELECT * FROM VALUES "
                + "('a1','audio',array(1F,10F),array(array(0F,0F),array(2F,2F))),"
                + "('a2','audio',array(3F,10F),array(array(4F,4F))),"
                + "('b1','audio',array(10F,0F),CAST(NULL AS ARRAY<ARRAY<FLOAT>>)),"
                + "('b2','audio',array(14F,4F),NULL),"
                + "('c1','audio',array(2F,6F),NULL),"
                + "('d1','audio',array(0F,0F),NULL),"
                + "('x1','audio',array(1000F,1000F),NULL),"
                + "('a1','text',array(7F),NULL)"
                + " AS f(sample_id, modality, pooled, tokens)");
        groups = spark.sql("SELECT * FROM VALUES ('a1','A'),('a2','A'),('b1','B'),('b2','B'),('c1',CAST(NULL AS STRING)),"
                + "('d1','D') AS g(sample_id, group)");
    }

    @Test
    void statisticsAreEachGroupsAndAllClipsOfTheManifest() {
        Map<String, Row> stats = new HashMap<>();
        for (Row r : GroupNormalization.statistics(features, groups, true).collectAsList()) {
            String key = (r.<Boolean>getAs("all_clips") ? "*" : r.<String>getAs("group")) + "/" + r.getAs("modality");
            assertNull(stats.put(key, r), key);
        }
        assertEquals(List.of("*/audio", "*/text", "A/audio", "A/text", "B/audio", "D/audio"),
                stats.keySet().stream().sorted().toList());
        Row a = stats.get("A/audio");
        assertEquals(2L, a.<Long>getAs("clips"));
        assertEquals(List.of(2F, 10F), a.getList(a.fieldIndex("pooled_mean")));
        assertEquals(List.of(1F, 1F), a.getList(a.fieldIndex("pooled_std"))); // dimension 1 is constant: 1, not 0
        assertEquals(3L, a.<Long>getAs("tokens"));
        assertEquals(List.of(2F, 2F), a.getList(a.fieldIndex("tokens_mean")));
        float tokenSd = (float) Math.sqrt(8.0 / 3);
        assertEquals(List.of(tokenSd, tokenSd), a.getList(a.fieldIndex("tokens_std")));
        Row b = stats.get("B/audio");
        assertEquals(List.of(12F, 2F), b.getList(b.fieldIndex("pooled_mean")));
        assertEquals(List.of(2F, 2F), b.getList(b.fieldIndex("pooled_std")));
        assertEquals(0L, b.<Long>getAs("tokens"));
        assertNull(b.getAs("tokens_mean"));
        // all six manifest clips (x1 is not one of them), c1 without a group included
        Row all = stats.get("*/audio");
        assertEquals(6L, all.<Long>getAs("clips"));
        assertEquals(List.of(5F, 5F), all.getList(all.fieldIndex("pooled_mean")));
        assertEquals(List.of((float) Math.sqrt(310.0 / 6 - 25), (float) Math.sqrt(17.0)),
                all.getList(all.fieldIndex("pooled_std")));
    }

    @Test
    void eachClipIsStandardisedByItsGroupAndSmallOrMissingGroupsByAllClips(SparkSession spark) {
        GroupNormalization norm = new GroupNormalization(GroupNormalization.statistics(features, groups, true), 2);
        Dataset<Row> wide = features.where("sample_id <> 'x1'").groupBy("sample_id").agg(
                        first(when(col("modality").equalTo("audio"), col("pooled")), true).as("audio"),
                        first(when(col("modality").equalTo("audio"), col("tokens")), true).as("audio_tokens"),
                        first(when(col("modality").equalTo("text"), col("pooled")), true).as("text"),
                        first(when(col("modality").equalTo("text"), col("tokens")), true).as("text_tokens"))
                .join(groups, "sample_id");
        Map<String, Row> out = new HashMap<>();
        for (Row r : norm.apply(wide, "group", List.of("audio", "text"), true).collectAsList()) {
            out.put(r.getAs("sample_id"), r);
        }
        assertEquals(List.of(-1F, 0F), pooled(out.get("a1"), "audio"));
        assertEquals(List.of(1F, 0F), pooled(out.get("a2"), "audio"));
        assertEquals(List.of(-1F, -1F), pooled(out.get("b1"), "audio"));
        assertEquals(List.of(1F, 1F), pooled(out.get("b2"), "audio"));
        float sd0 = (float) Math.sqrt(310.0 / 6 - 25);
        float sd1 = (float) Math.sqrt(17.0);
        // c1 has no group, d1's group has one clip (< 2): both by the statistics of all clips
        assertEquals(List.of((float) (-3.0 / sd0), (float) (1.0 / sd1)), pooled(out.get("c1"), "audio"));
        assertEquals(List.of((float) (-5.0 / sd0), (float) (-5.0 / sd1)), pooled(out.get("d1"), "audio"));
        // tokens by the group's token statistics (mean 2, sd sqrt(8/3))
        float tsd = (float) Math.sqrt(8.0 / 3);
        List<?> tokens = out.get("a1").getList(out.get("a1").fieldIndex("audio_tokens"));
        assertEquals(List.of((float) (-2.0 / tsd), (float) (-2.0 / tsd)), asList(tokens.get(0)));
        assertEquals(List.of(0F, 0F), asList(tokens.get(1)));
        assertTrue(out.get("b1").isNullAt(out.get("b1").fieldIndex("audio_tokens")));
        // A's text has one clip: all clips' text statistics (that same clip) centre it; a missing modality stays null
        assertEquals(List.of(0F), pooled(out.get("a1"), "text"));
        assertTrue(out.get("b1").isNullAt(out.get("b1").fieldIndex("text")));
        assertEquals(6, out.size());
    }

    private static List<?> pooled(Row r, String modality) {
        return r.getList(r.fieldIndex(modality));
    }

    private static List<?> asList(Object v) {
        return v instanceof List<?> l ? l : scala.jdk.javaapi.CollectionConverters.asJava((scala.collection.Seq<?>) v);
    }
}
