package io.merspark.prior;

import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.merspark.prior.PriorCorrectionTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

@ExtendWith(SparkTestSession.class)
class PriorsTest {

    static final List<String> CLASSES = List.of("neutral", "angry", "happy");

    static Map<String, Double> map(Object... pairs) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], ((Number) pairs[i + 1]).doubleValue());
        }
        return m;
    }

    @Test
    void fromMapRenormalisesInClassOrder() {
        assertArrayEquals(new double[] {0.25, 0.5, 0.25},
                Priors.fromMap(map("happy", 1, "neutral", 1, "angry", 2), CLASSES), 0.0);
        assertArrayEquals(new double[] {0.0, 1.0, 0.0},
                Priors.fromMap(map("neutral", 0, "angry", 3, "happy", 0), CLASSES), 0.0);
    }

    @Test
    void fromMapNamesTheBadClass() {
        assertMessage("unknown class 'bored'",
                () -> Priors.fromMap(map("neutral", 1, "angry", 1, "happy", 1, "bored", 1), CLASSES));
        assertMessage("no proportion for class 'happy'", () -> Priors.fromMap(map("neutral", 1, "angry", 1), CLASSES));
        assertMessage("class 'angry' must be finite and non-negative, found -0.1",
                () -> Priors.fromMap(map("neutral", 1, "angry", -0.1, "happy", 1), CLASSES));
        assertMessage("class 'neutral' must be finite and non-negative, found NaN",
                () -> Priors.fromMap(map("neutral", Double.NaN, "angry", 1, "happy", 1), CLASSES));
        assertMessage("sum to zero", () -> Priors.fromMap(map("neutral", 0, "angry", 0, "happy", 0), CLASSES));
    }

    @Test
    void fromLabelsCountsNamesOrIndices(SparkSession spark) {
        var names = spark.createDataset(List.of("neutral", "angry", "angry", "neutral", "neutral"),
                org.apache.spark.sql.Encoders.STRING()).toDF("label");
        var indices = spark.range(8).selectExpr("CAST(id % 2 AS INT) AS label");

        assertArrayEquals(new double[] {0.6, 0.4, 0.0}, Priors.fromLabels(names, "label", CLASSES), 0.0);
        assertArrayEquals(new double[] {0.5, 0.5, 0.0}, Priors.fromLabels(indices, "label", CLASSES), 0.0);
        assertMessage("column 'label' holds unknown class 2",
                () -> Priors.fromLabels(spark.range(3).selectExpr("CAST(id AS INT) AS label"), "label",
                        List.of("neutral", "angry")));
        assertMessage("missing input column 'emotion'", () -> Priors.fromLabels(names, "emotion", CLASSES));
    }
}
