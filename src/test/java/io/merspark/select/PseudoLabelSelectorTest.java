package io.merspark.select;

import io.merspark.testing.SparkTestSession;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static io.merspark.select.ConfidenceFilterTest.sorted;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(SparkTestSession.class)
class PseudoLabelSelectorTest {

    static final List<String> CLASSES = List.of(Scores.CLASSES);

    @Test
    void fixedThresholdWithSoftMatchWeighsOverTheWholePool(SparkSession spark) {
        Dataset<Row> scores = SoftMatchWeightingTest.quarterSteps(spark);
        SelectionSettings settings = SelectionSettings.fixed(CLASSES, 0.5).withSoftWeighting(true).forRound(2);

        List<Row> out = sorted(PseudoLabelSelector.select(settings, scores));

        // mu = 0.625 and sigma^2 = 0.078125 come from all four rows, not only the three accepted ones
        assertEquals(List.of("b", "c", "d"), out.stream().map(r -> r.<String>getAs("sample_id")).toList());
        assertEquals(List.of("angry", "happy", "sad"), out.stream().map(r -> r.<String>getAs("label")).toList());
        assertEquals(Math.exp(-0.015625 / 0.15625), out.get(0).<Double>getAs("weight"), 1e-9);
        assertEquals(1.0, out.get(1).<Double>getAs("weight"), 1e-9);
        assertEquals(1.0, out.get(2).<Double>getAs("weight"), 1e-9);
        out.forEach(r -> {
            assertEquals("fixed+softmatch", r.getAs("strategy"));
            assertEquals(2, (int) r.getAs("round"));
        });
    }

    @Test
    void savedPipelineModelReloadsAndSelectsIdentically(@TempDir Path dir, SparkSession spark) throws Exception {
        Dataset<Row> scores = new Scores()
                .add("a", 0, 0.5f).add("b", 1, 0.875f).add("c", 2, 0.75f)
                .add("d", 5, 0.98f).add("e", 1, 0.9f).add("f", 3, 0.25f)
                .toDF(spark);
        SelectionSettings settings = SelectionSettings.classWise(CLASSES, List.of(0.5, 0.9, 0.75, 0.5, 0.5, 0.99))
                .withSoftWeighting(true).forRound(5);
        PipelineModel model = PseudoLabelSelector.fit(settings, scores);
        String path = dir.resolve("rounds/round=5/selection").toString();
        model.write().save(path);

        PipelineModel loaded = PipelineModel.load(path);

        Transformer[] stages = loaded.stages();
        assertEquals(2, stages.length);
        assertInstanceOf(SoftMatchWeighting.class, stages[0]);
        ClassWiseThresholdFilter filter = assertInstanceOf(ClassWiseThresholdFilter.class, stages[1]);
        assertArrayEquals(new double[] {0.5, 0.9, 0.75, 0.5, 0.5, 0.99}, filter.getThresholds());
        assertEquals(5, filter.getRound());
        assertEquals("classwise+softmatch", filter.getStrategyName());

        List<Row> expected = sorted(model.transform(scores));
        List<Row> actual = sorted(loaded.transform(scores));
        assertEquals(List.of("a", "c", "e"), actual.stream().map(r -> r.<String>getAs("sample_id")).toList());
        assertEquals(expected, actual);
    }

    @Test
    void fixedPipelineHasOneFilterStage(@TempDir Path dir, SparkSession spark) throws Exception {
        Dataset<Row> scores = SoftMatchWeightingTest.quarterSteps(spark);
        PipelineModel model = PseudoLabelSelector.fit(SelectionSettings.fixed(CLASSES, 0.75), scores);
        String path = dir.resolve("selection").toString();
        model.save(path);

        PipelineModel loaded = PipelineModel.load(path);

        ConfidenceFilter filter = assertInstanceOf(ConfidenceFilter.class, loaded.stages()[0]);
        assertEquals(1, loaded.stages().length);
        assertEquals(0.75, filter.getThreshold());
        assertEquals(List.of(List.of("c", "happy", 1.0, "fixed", 0), List.of("d", "sad", 1.0, "fixed", 0)),
                sorted(loaded.transform(scores)).stream().map(ConfidenceFilterTest::fields).toList());
    }

    @Test
    void fittingValidatesTheScoresSchema(SparkSession spark) {
        Dataset<Row> noConfidence = SoftMatchWeightingTest.quarterSteps(spark).drop("confidence");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PseudoLabelSelector.fit(SelectionSettings.fixed(CLASSES, 0.9), noConfidence));
        assertTrue(e.getMessage().contains("'confidence'"), e.getMessage());
    }

    @Test
    void settingsAreValidated() {
        assertEquals(SelectionSettings.Strategy.CLASSWISE, SelectionSettings.Strategy.parse(" ClassWise "));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> SelectionSettings.Strategy.parse("flexmatch"));
        assertTrue(unknown.getMessage().contains("'flexmatch'"));
        assertThrows(IllegalArgumentException.class, () -> SelectionSettings.fixed(CLASSES, 1.01));
        IllegalArgumentException misaligned = assertThrows(IllegalArgumentException.class,
                () -> SelectionSettings.classWise(CLASSES, Arrays.asList(0.5, 0.5)));
        assertTrue(misaligned.getMessage().contains("2 class thresholds for 6 classes"));
        IllegalArgumentException badClass = assertThrows(IllegalArgumentException.class,
                () -> SelectionSettings.classWise(CLASSES, List.of(0.5, 0.5, 2.0, 0.5, 0.5, 0.5)));
        assertTrue(badClass.getMessage().contains("class happy"), badClass.getMessage());
    }
}
