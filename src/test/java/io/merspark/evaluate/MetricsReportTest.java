package io.merspark.evaluate;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsReportTest {

    static final List<String> CLASSES = ConfusionCounterTest.CLASSES;

    static MetricsReport report() {
        Map<String, Long> accepted = new LinkedHashMap<>();
        accepted.put("neutral", 12L);
        accepted.put("angry", 3L);
        accepted.put("happy", 0L);
        return MetricsReport.of(2, ClassificationMetrics.fromConfusion(ConfusionCounterTest.EXPECTED), CLASSES)
                .with("n_train", 247)
                .with("n_pseudo", 15)
                .with("pseudo_accuracy", 0.8)
                .with("accepted_per_class", accepted);
    }

    @Test
    void writesAndReadsBackTheRoundMetrics(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("rounds/round=2/metrics.json");
        report().write(file);

        JsonNode json = MetricsReport.read(file);

        List<String> keys = new ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("round", "waf", "accuracy", "macro_f1", "per_class_f1", "per_class_precision",
                "per_class_recall", "confusion", "n_test", "n_train", "n_pseudo", "pseudo_accuracy",
                "accepted_per_class"), keys);
        assertEquals(2, json.get("round").intValue());
        assertEquals(11.0 / 24.0, json.get("waf").doubleValue(), 1e-12);
        assertEquals(0.5, json.get("accuracy").doubleValue(), 1e-12);
        assertEquals(7.0 / 18.0, json.get("macro_f1").doubleValue(), 1e-12);
        assertEquals(2.0 / 3.0, json.at("/per_class_f1/neutral").doubleValue(), 1e-12);
        assertEquals(0.5, json.at("/per_class_f1/angry").doubleValue(), 1e-12);
        assertEquals(0.0, json.at("/per_class_f1/happy").doubleValue(), 1e-12);
        assertEquals(0.6, json.at("/per_class_precision/neutral").doubleValue(), 1e-12);
        assertEquals(0.75, json.at("/per_class_recall/neutral").doubleValue(), 1e-12);
        assertEquals("[\"neutral\",\"angry\",\"happy\"]", json.at("/confusion/classes").toString());
        assertEquals("[[3,1,0],[0,1,1],[2,0,0]]", json.at("/confusion/matrix").toString());
        assertEquals(8, json.get("n_test").longValue());
        assertEquals(247, json.get("n_train").intValue());
        assertEquals(0.8, json.get("pseudo_accuracy").doubleValue(), 1e-12);
        assertEquals(12, json.at("/accepted_per_class/neutral").longValue());
        try (var files = Files.list(file.getParent())) {
            assertEquals(List.of(file), files.toList(), "no temporary file is left behind");
        }
    }

    @Test
    void extrasDoNotChangeTheOriginalAndCannotReplaceMetrics() {
        MetricsReport base = MetricsReport.of(0, ClassificationMetrics.fromConfusion(ConfusionCounterTest.EXPECTED),
                CLASSES);
        MetricsReport extended = base.with("n_train", 10);

        assertTrue(extended.toJsonNode().has("n_train"));
        assertTrue(!base.toJsonNode().has("n_train"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> base.with("waf", 1.0));
        assertTrue(e.getMessage().contains("'waf'"));
    }

    @Test
    void nonFiniteExtrasBecomeNull() throws IOException {
        String json = MetricsReport.of(1, ClassificationMetrics.fromConfusion(ConfusionCounterTest.EXPECTED), CLASSES)
                .with("pseudo_accuracy", Double.NaN)
                .with("nested", Map.of("x", Double.POSITIVE_INFINITY))
                .toJson();

        JsonNode parsed = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        assertTrue(parsed.get("pseudo_accuracy").isNull());
        assertTrue(parsed.at("/nested/x").isNull());
    }

    @Test
    void classNamesMustMatchTheMatrix() {
        assertThrows(IllegalArgumentException.class, () -> MetricsReport.of(0,
                ClassificationMetrics.fromConfusion(ConfusionCounterTest.EXPECTED), List.of("neutral", "angry")));
    }
}
