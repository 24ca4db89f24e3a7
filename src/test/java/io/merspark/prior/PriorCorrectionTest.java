package io.merspark.prior;

import io.merspark.testing.SparkTestSession;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(SparkTestSession.class)
class PriorCorrectionTest {

    // neutral, angry, happy; the ratio target / train is (0.5, 1, 2)
    static final double[] TRAIN = {0.5, 0.25, 0.25};
    static final double[] TARGET = {0.25, 0.25, 0.5};

    static Dataset<Row> scores(SparkSession spark, Object[]... rows) {
        return spark.createDataFrame(java.util.Arrays.stream(rows).map(r -> RowFactory.create(r)).toList(),
                new StructType()
                        .add("sample_id", DataTypes.StringType, false)
                        .add("probs", DataTypes.createArrayType(DataTypes.FloatType, false), false));
    }

    static Object[] row(String id, float... probs) {
        Float[] boxed = new Float[probs.length];
        for (int i = 0; i < probs.length; i++) {
            boxed[i] = probs[i];
        }
        return new Object[] {id, boxed};
    }

    static Dataset<Row> handBuilt(SparkSession spark) {
        return scores(spark,
                row("a", 0.5f, 0.3f, 0.2f),   // (0.25, 0.3, 0.4) / 0.95
                row("b", 0.6f, 0.2f, 0.2f),   // (0.3, 0.2, 0.4) / 0.9 = (1/3, 2/9, 4/9)
                row("c", 0.8f, 0.1f, 0.1f));  // (0.4, 0.1, 0.2) / 0.7 = (4/7, 1/7, 2/7)
    }

    static double[] vector(Row r, String column) {
        List<Float> values = r.getList(r.fieldIndex(column));
        return values.stream().mapToDouble(Float::doubleValue).toArray();
    }

    @Test
    void movesEachPosteriorToTheTargetPrior(SparkSession spark) {
        List<Row> out = new PriorCorrection().setTrainPrior(TRAIN).setTargetPrior(TARGET)
                .transform(handBuilt(spark)).orderBy("sample_id").collectAsList();

        double[][] expected = {
                {0.25 / 0.95, 0.3 / 0.95, 0.4 / 0.95},
                {1.0 / 3, 2.0 / 9, 4.0 / 9},
                {4.0 / 7, 1.0 / 7, 2.0 / 7}};
        int[] preds = {2, 2, 0};
        for (int i = 0; i < expected.length; i++) {
            Row r = out.get(i);
            assertArrayEquals(expected[i], vector(r, "corrected_probs"), 1e-6);
            assertEquals(preds[i], r.getInt(r.fieldIndex("corrected_pred")));
            assertEquals(expected[i][preds[i]], r.getFloat(r.fieldIndex("corrected_confidence")), 1e-6);
        }
    }

    @Test
    void priorsAreRenormalised(SparkSession spark) {
        Dataset<Row> scaled = new PriorCorrection().setTrainPrior(2, 1, 1).setTargetPrior(10, 10, 20)
                .transform(handBuilt(spark)).orderBy("sample_id");
        Dataset<Row> exact = new PriorCorrection().setTrainPrior(TRAIN).setTargetPrior(TARGET)
                .transform(handBuilt(spark)).orderBy("sample_id");

        assertEquals(exact.collectAsList(), scaled.collectAsList());
    }

    @Test
    void schemaErrorsNameTheColumnOrParam(SparkSession spark) {
        Dataset<Row> data = handBuilt(spark);
        PriorCorrection correction = new PriorCorrection().setTrainPrior(TRAIN).setTargetPrior(TARGET);

        assertMessage("missing input column 'scores'",
                () -> correction.copy(new org.apache.spark.ml.param.ParamMap()).setProbsCol("scores").transform(data));
        assertMessage("column 'sample_id' must be an array of class probabilities",
                () -> new PriorCorrection().setTrainPrior(TRAIN).setTargetPrior(TARGET).setProbsCol("sample_id")
                        .transform(data));
        assertMessage("output column 'probs' already exists",
                () -> new PriorCorrection().setTrainPrior(TRAIN).setTargetPrior(TARGET).setOutputCol("probs")
                        .transform(data));
        assertMessage("Param 'trainPrior' has 3 classes but Param 'targetPrior' has 2",
                () -> new PriorCorrection().setTrainPrior(TRAIN).setTargetPrior(0.5, 0.5).transform(data));
        assertMessage("Param 'targetPrior' must be set",
                () -> new PriorCorrection().setTrainPrior(TRAIN).transform(data));
        assertMessage("targetPrior", () -> new PriorCorrection().setTargetPrior(0.5, 0.0, 0.5));
    }

    @Test
    void aVectorOfTheWrongLengthFailsTheJobNamingTheColumn(SparkSession spark) {
        Dataset<Row> data = scores(spark, row("a", 0.5f, 0.5f));
        PriorCorrection correction = new PriorCorrection().setTrainPrior(TRAIN).setTargetPrior(TARGET);

        Exception e = assertThrows(Exception.class, () -> correction.transform(data).collectAsList());
        assertTrue(e.getMessage().contains("column 'probs' holds a probability vector that is null or not of length 3"),
                e.getMessage());
    }

    @Test
    void savesAndLoadsAloneAndInAPipeline(@TempDir Path dir, SparkSession spark) throws Exception {
        PriorCorrection correction = new PriorCorrection().setTrainPrior(TRAIN).setTargetPrior(TARGET)
                .setOutputCol("shifted_probs");
        String path = dir.resolve("correction").toString();
        correction.save(path);
        PipelineModel pipeline = new Pipeline().setStages(new PipelineStage[] {correction}).fit(handBuilt(spark));
        pipeline.save(dir.resolve("pipeline").toString());

        PriorCorrection loaded = PriorCorrection.load(path);
        PipelineModel loadedPipeline = PipelineModel.load(dir.resolve("pipeline").toString());

        assertEquals(correction.uid(), loaded.uid());
        assertArrayEquals(TRAIN, loaded.getTrainPrior(), 0.0);
        assertArrayEquals(TARGET, loaded.getTargetPrior(), 0.0);
        assertEquals("shifted_probs", loaded.getOutputCol());
        List<Row> expected = correction.transform(handBuilt(spark)).orderBy("sample_id").collectAsList();
        assertEquals(expected, loaded.transform(handBuilt(spark)).orderBy("sample_id").collectAsList());
        assertEquals(expected, loadedPipeline.transform(handBuilt(spark)).orderBy("sample_id").collectAsList());
    }

    static void assertMessage(String fragment, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
