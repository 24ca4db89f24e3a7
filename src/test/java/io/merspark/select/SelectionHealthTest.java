package io.merspark.select;

import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;

import static io.merspark.select.ConfidenceFilterTest.sorted;
import static org.junit.jupiter.api.Assertions.assertEquals;

@ExtendWith(SparkTestSession.class)
class SelectionHealthTest {

    static final List<String> CLASSES = List.of(Scores.CLASSES);
    /** neutral .1, angry .2, happy .2, sad .2, worried .2, surprise .1 */
    static final double[] PRIOR = {0.1, 0.2, 0.2, 0.2, 0.2, 0.1};

    /** 16 accepted rows, 10 of them worried (share 0.625 against a prior of 0.2). */
    static Dataset<Row> collapsedPool(SparkSession spark) {
        Scores s = new Scores()
                .add("n1", 0, 0.97f).add("n2", 0, 0.96f)
                .add("a1", 1, 0.97f).add("a2", 1, 0.96f)
                .add("h1", 2, 0.97f).add("s1", 3, 0.97f)
                .add("w01", 4, 0.99f).add("w02", 4, 0.98f).add("w03", 4, 0.95f)
                .add("w05", 4, 0.9f).add("w04", 4, 0.9f);   // tied: w04 ranks first on the id
        for (int i = 6; i <= 10; i++) {
            s.add(String.format("w%02d", i), 4, 0.85f - i * 0.01f);
        }
        return PseudoLabelSelector.select(SelectionSettings.fixed(CLASSES, 0.0), s.toDF(spark))
                .select("sample_id", "label", "confidence", "weight", "strategy", "round");
    }

    static List<String> ids(Dataset<Row> df) {
        return sorted(df).stream().map(r -> r.<String>getAs("sample_id")).toList();
    }

    @Test
    void aCollapsedPoolIsRebalancedToTwiceThePriorShare(SparkSession spark) {
        SelectionHealth.Result r = SelectionHealth.check(collapsedPool(spark), "label", CLASSES, PRIOR, true);

        assertEquals("rebalanced", r.status());
        assertEquals(List.of("worried"), r.collapsedClasses());
        // caps from T = 16: worried 6, T = 12; worried 4, T = 10; stable: worried 4 of 10 = 0.4 = 2 x 0.2
        assertEquals(Map.of("neutral", 2L, "angry", 2L, "happy", 1L, "sad", 1L, "worried", 4L, "surprise", 0L),
                r.acceptedAfter());
        assertEquals(Map.of("neutral", 0L, "angry", 0L, "happy", 0L, "sad", 0L, "worried", 6L, "surprise", 0L),
                r.dropped());
        assertEquals(List.of("a1", "a2", "h1", "n1", "n2", "s1", "w01", "w02", "w03", "w04"), ids(r.kept()));
        Map<String, Object> json = r.toJson(Map.of("worried", 0.5));
        assertEquals(0.625, ((Map<?, ?>) json.get("shares_before")).get("worried"));
        assertEquals(0.4, ((Map<?, ?>) json.get("shares")).get("worried"));
        assertEquals(0.2, ((Map<?, ?>) json.get("prior")).get("worried"));
        assertEquals(Map.of("worried", 0.5), json.get("previous_round_shares"));
    }

    @Test
    void withTheGuardOffACollapseIsOnlyRecorded(SparkSession spark) {
        SelectionHealth.Result r = SelectionHealth.check(collapsedPool(spark), "label", CLASSES, PRIOR, false);

        assertEquals("collapsed", r.status());
        assertEquals(List.of("worried"), r.collapsedClasses());
        assertEquals(16, r.kept().count());
        assertEquals(10L, r.acceptedAfter().get("worried"));
    }

    @Test
    void aMixWithinTwiceThePriorIsOk(SparkSession spark) {
        // worried 3 of 8 = 0.375 <= 0.4, neutral 1 of 8 = 0.125 <= 0.2
        Dataset<Row> pool = collapsedPool(spark).where("sample_id < 'w04' and sample_id != 'n2'");

        SelectionHealth.Result r = SelectionHealth.check(pool, "label", CLASSES, PRIOR, true);

        assertEquals("ok", r.status());
        assertEquals(List.of(), r.collapsedClasses());
        assertEquals(8, r.kept().count());
    }

    @Test
    void aPoolOfOneClassKeepsNothing() {
        Map<String, Long> counts = new java.util.LinkedHashMap<>();
        CLASSES.forEach(c -> counts.put(c, 0L));
        counts.put("worried", 12L);
        Map<String, Double> prior = new java.util.LinkedHashMap<>();
        for (int c = 0; c < CLASSES.size(); c++) {
            prior.put(CLASSES.get(c), PRIOR[c]);
        }
        // any worried row is a share of 1 > 0.4: 12 -> 4 -> 1 -> 0
        assertEquals(0L, SelectionHealth.caps(counts, prior).get("worried"));
    }
}
