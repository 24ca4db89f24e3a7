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
    void softMatchReplacesTheFixedThresholdAndWeighsBelowTheMean(SparkSession spark) {
        Dataset<Row> scores = SoftMatchWeightingTest.quarterSteps(spark);
        SelectionSettings settings = SelectionSettings.fixed(CLASSES, 0.95).withSoftWeighting(true).forRound(2);

        List<Row> out = sorted(PseudoLabelSelector.select(settings, scores));

        // tau = 0.95 would keep only d at weight 1; SoftMatch keeps every row, mu = 0.625, 2 sigma^2 = 0.15625
        assertEquals(List.of("a", "b", "c", "d"), out.stream().map(r -> r.<String>getAs("sample_id")).toList());
        assertEquals(List.of("neutral", "angry", "happy", "sad"),
                out.stream().map(r -> r.<String>getAs("label")).toList());
        assertEquals(Math.exp(-0.140625 / 0.15625), out.get(0).<Double>getAs("weight"), 1e-9);  // 0.4066
        assertEquals(Math.exp(-0.015625 / 0.15625), out.get(1).<Double>getAs("weight"), 1e-9);  // 0.9048
        assertEquals(1.0, out.get(2).<Double>getAs("weight"), 1e-9);
        assertEquals(1.0, out.get(3).<Double>getAs("weight"), 1e-9);
        out.forEach(r -> {
            assertEquals("softmatch", r.getAs("strategy"));
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
                () -> SelectionSettings.Strategy.parse("softmatch"));
        assertTrue(unknown.getMessage().contains("'softmatch'"));
        assertThrows(IllegalArgumentException.class, () -> SelectionSettings.fixed(CLASSES, 1.01));
        IllegalArgumentException misaligned = assertThrows(IllegalArgumentException.class,
                () -> SelectionSettings.classWise(CLASSES, Arrays.asList(0.5, 0.5)));
        assertTrue(misaligned.getMessage().contains("2 class thresholds for 6 classes"));
        IllegalArgumentException badClass = assertThrows(IllegalArgumentException.class,
                () -> SelectionSettings.classWise(CLASSES, List.of(0.5, 0.5, 2.0, 0.5, 0.5, 0.5)));
        assertTrue(badClass.getMessage().contains("class happy"), badClass.getMessage());
    }
    @Test
    void newStrategiesParseAndComposeTheirNames() {
        assertEquals(SelectionSettings.Strategy.FLEXMATCH, SelectionSettings.Strategy.parse("FlexMatch"));
        assertEquals(SelectionSettings.Strategy.FREEMATCH, SelectionSettings.Strategy.parse("freematch"));
        assertTrue(SelectionSettings.Strategy.parse("quota").modifier());
        assertTrue(SelectionSettings.Strategy.parse("agreement").modifier());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> SelectionSettings.Strategy.parse("topn"));
        assertTrue(unknown.getMessage().contains("fixed, classwise, flexmatch, freematch, topk, quota, agreement"),
                unknown.getMessage());

        assertEquals("flexmatch+agreement+quota+softmatch", SelectionSettings.flexMatch(CLASSES, 0.9)
                .withQuota(SelectionSettings.Quota.top(10)).withAgreement(SelectionSettings.Agreement.unanimous())
                .withSoftWeighting(true).strategyName());
        assertEquals("quota", SelectionSettings.quota(CLASSES, SelectionSettings.Quota.balanced()).strategyName());
        assertEquals("agreement+quota", SelectionSettings.agreement(CLASSES, SelectionSettings.Agreement.unanimous())
                .withQuota(SelectionSettings.Quota.top(1)).strategyName());
        // the settings the jobs built before keep their meaning
        SelectionSettings old = new SelectionSettings(SelectionSettings.Strategy.FIXED, CLASSES, 0.9, List.of(),
                true, 3);
        assertEquals(SelectionSettings.fixed(CLASSES, 0.9).withSoftWeighting(true).forRound(3), old);
        assertEquals("softmatch", old.strategyName());
    }

    @Test
    void newSettingsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> SelectionSettings.flexMatch(CLASSES, 1.5));
        assertThrows(IllegalArgumentException.class, () -> SelectionSettings.freeMatch(CLASSES).withMomentum(-0.1));
        IllegalArgumentException otherClasses = assertThrows(IllegalArgumentException.class,
                () -> SelectionSettings.freeMatch(CLASSES).withPreviousState(FreeMatchState.initial(List.of("a", "b"))));
        assertTrue(otherClasses.getMessage().contains("[a, b]"), otherClasses.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new SelectionSettings(SelectionSettings.Strategy.QUOTA, CLASSES, Double.NaN, List.of(), false, 0));
        assertThrows(IllegalArgumentException.class, () -> SelectionSettings.Quota.top(0));
        assertThrows(IllegalArgumentException.class,
                () -> new SelectionSettings.Agreement(false, java.util.OptionalDouble.empty()));
    }

    @Test
    void flexMatchWithAgreementAndQuotaReloadsAndSelectsIdentically(@TempDir Path dir, SparkSession spark)
            throws Exception {
        Dataset<Row> scores = FlexMatchThresholdFilterTest.pool(spark);
        SelectionSettings settings = SelectionSettings.flexMatch(CLASSES, 0.8)
                .withAgreement(SelectionSettings.Agreement.unanimous())
                .withQuota(SelectionSettings.Quota.top(2)).forRound(4);
        PipelineModel model = PseudoLabelSelector.fit(settings, scores);
        String path = dir.resolve("selection").toString();
        model.save(path);

        PipelineModel loaded = PipelineModel.load(path);

        Transformer[] stages = loaded.stages();
        assertEquals(3, stages.length);
        assertEquals(0.8, assertInstanceOf(FlexMatchThresholdFilter.class, stages[0]).getThreshold());
        assertInstanceOf(EnsembleAgreementFilter.class, stages[1]);
        assertEquals(2, assertInstanceOf(ClassQuotaFilter.class, stages[2]).getMaxPerClass());
        List<Row> expected = sorted(model.transform(scores));
        List<Row> actual = sorted(loaded.transform(scores));
        // FlexMatch accepts 11 rows; h3 (0.125) puts more mass on other classes, so its single member's argmax
        // is not pred and the vote drops it; then two per class by confidence and id
        assertEquals(List.of("a1", "a2", "h1", "n1", "n2", "s2"),
                actual.stream().map(r -> r.<String>getAs("sample_id")).toList());
        assertEquals(expected, actual);
        assertEquals("flexmatch+agreement+quota", actual.get(0).getAs("strategy"));
    }

    @Test
    void freeMatchReloadsWithItsPreviousStateAndHandsOnTheNext(@TempDir Path dir, SparkSession spark)
            throws Exception {
        Dataset<Row> roundOne = FreeMatchThresholdFilterTest.roundOne(spark);
        Dataset<Row> roundTwo = FreeMatchThresholdFilterTest.roundTwo(spark);
        PipelineModel first = PseudoLabelSelector.fit(SelectionSettings.freeMatch(CLASSES).forRound(1), roundOne);
        FreeMatchState stored = PseudoLabelSelector.freeMatchState(first, roundOne).orElseThrow();
        assertEquals(FreeMatchThresholdFilterTest.TAU_1, stored.globalThreshold(), 1e-9);

        SelectionSettings next = SelectionSettings.freeMatch(CLASSES)
                .withPreviousState(FreeMatchState.fromJson(stored.toJson())).withSoftWeighting(true).forRound(2);
        PipelineModel second = PseudoLabelSelector.fit(next, roundTwo);
        String path = dir.resolve("selection").toString();
        second.save(path);
        PipelineModel loaded = PipelineModel.load(path);

        FreeMatchThresholdFilter filter = assertInstanceOf(FreeMatchThresholdFilter.class, loaded.stages()[1]);
        assertEquals(stored, filter.previousState());
        assertEquals(sorted(second.transform(roundTwo)), sorted(loaded.transform(roundTwo)));
        assertEquals(FreeMatchThresholdFilterTest.TAU_1 / 2 + 0.375,
                PseudoLabelSelector.freeMatchState(loaded, roundTwo).orElseThrow().globalThreshold(), 1e-9);
        assertTrue(PseudoLabelSelector.freeMatchState(
                PseudoLabelSelector.fit(SelectionSettings.fixed(CLASSES, 0.5), roundTwo), roundTwo).isEmpty());
    }

    @Test
    void quotaAloneLabelsEveryRowThenCaps(SparkSession spark) {
        Dataset<Row> scores = ClassQuotaFilterTest.accepted(spark);

        List<Row> out = sorted(PseudoLabelSelector.select(
                SelectionSettings.quota(CLASSES, SelectionSettings.Quota.top(1)).forRound(1), scores));

        assertEquals(List.of(List.of("a", "neutral", 1.0, "quota", 1), List.of("e", "angry", 1.0, "quota", 1),
                        List.of("f", "happy", 1.0, "quota", 1)),
                out.stream().map(ConfidenceFilterTest::fields).toList());
    }
}
