package io.merspark.bench;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProtocolBenchTest {

    private static ProtocolBench.RoundFigures round(double testWaf, double cvWaf, long accepted, double precision) {
        return new ProtocolBench.RoundFigures(testWaf, cvWaf, testWaf - 0.1, accepted, precision, false, 0.1, 0.05,
                0.3, 0.2);
    }

    private static Map<String, List<List<ProtocolBench.RoundFigures>>> results() {
        Map<String, List<List<ProtocolBench.RoundFigures>>> results = new LinkedHashMap<>();
        results.put("agt", List.of(
                List.of(round(0.60, 0.66, 16, 0.9), round(0.64, 0.70, 33, 0.85)),
                List.of(round(0.62, 0.68, 16, 0.8), round(0.66, 0.72, 33, 0.95))));
        results.put("logreg", List.of(List.of(round(0.61, 0.65, 16, 0.8)), List.of(round(0.63, 0.67, 16, 0.8))));
        return results;
    }

    @Test
    void theTableNamesTheSeedsItRanAndAveragesEachRound() {
        String table = ProtocolBench.table(results(), 264, 6, 2);
        assertTrue(table.startsWith("2 seeds (mer.seed 6–7); pool 264 clips"), table);
        // mean ± sample sd over the two seeds
        assertTrue(table.contains("| agt | 2 | 0.6500 ± 0.0141 | 0.7100 ± 0.0141 | 0.5500 ± 0.0141 | 33.0 ± 0.0 | 0.125 | 0.900 ± 0.071 | 0/2 |"),
                table);
        assertTrue(table.contains("| logreg | 1 | 0.6200 ± 0.0141 |"), table);
    }

    @Test
    void thePerSeedTableGivesEachConfigurationsLastRoundBySeed() {
        assertEquals("""
                | configuration | round | seed 6 | seed 7 |
                |---|---|---|---|
                | agt | 2 | 0.6400 | 0.6600 |
                | logreg | 1 | 0.6100 | 0.6300 |
                """, ProtocolBench.perSeedTable(results(), 6));
    }

    @Test
    void aFailedSeedIsLeftOutOfTheMeansAndShownAsADash() {
        Map<String, List<List<ProtocolBench.RoundFigures>>> results = new LinkedHashMap<>();
        results.put("agt", List.of(List.of(round(0.60, 0.66, 16, 0.9)), List.of(), List.of(round(0.64, 0.70, 16, 0.8))));
        String table = ProtocolBench.table(results, 264, 1, 3);
        assertTrue(table.contains("| agt | 1 | 0.6200 ± 0.0283 | 0.6800 ± 0.0283 | 0.5200 ± 0.0283 |"), table);
        assertTrue(table.contains("| 0/2 |"), table);
        assertTrue(ProtocolBench.calibrationTable(results).contains("| agt | 1 | 0.1000 ± 0.0000 |"));
        assertEquals("""
                | configuration | round | seed 1 | seed 2 | seed 3 |
                |---|---|---|---|---|
                | agt | 1 | 0.6000 | – | 0.6400 |
                """, ProtocolBench.perSeedTable(results, 1));
    }
}
