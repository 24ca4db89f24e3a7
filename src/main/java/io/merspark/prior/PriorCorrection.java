package io.merspark.prior;

import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.apache.spark.sql.functions.array_max;
import static org.apache.spark.sql.functions.col;

/**
 * Label-shift correction of a scores table: {@code p'(y|x) ∝ p(y|x) · π_target(y) / π_train(y)}, the Bayes
 * posterior under the target prior when the classifier is calibrated under the training prior.
 *
 * <p>Writes the corrected vector ({@code outputCol}, array of float like the scores table), its argmax
 * ({@code predictionCol}, int) and maximum ({@code confidenceCol}, float). The input columns are kept.
 */
public final class PriorCorrection extends PriorShiftStage<PriorCorrection> {

    private final Param<String> probsCol;
    private final Param<String> outputCol;
    private final Param<String> predictionCol;
    private final Param<String> confidenceCol;

    public PriorCorrection() {
        this(Identifiable$.MODULE$.randomUID("priorCorrection"));
    }

    public PriorCorrection(String uid) {
        super(uid);
        probsCol = new Param<>(this, "probsCol", "column with the class probability vector");
        outputCol = new Param<>(this, "outputCol", "output column for the corrected probability vector");
        predictionCol = new Param<>(this, "predictionCol", "output column for the corrected class index");
        confidenceCol = new Param<>(this, "confidenceCol", "output column for the corrected top probability");
        setDefault(probsCol, "probs");
        setDefault(outputCol, "corrected_probs");
        setDefault(predictionCol, "corrected_pred");
        setDefault(confidenceCol, "corrected_confidence");
    }

    public Param<String> probsCol() {
        return probsCol;
    }

    public String getProbsCol() {
        return $(probsCol);
    }

    public PriorCorrection setProbsCol(String value) {
        set(probsCol, value);
        return this;
    }

    public Param<String> outputCol() {
        return outputCol;
    }

    public String getOutputCol() {
        return $(outputCol);
    }

    public PriorCorrection setOutputCol(String value) {
        set(outputCol, value);
        return this;
    }

    public Param<String> predictionCol() {
        return predictionCol;
    }

    public String getPredictionCol() {
        return $(predictionCol);
    }

    public PriorCorrection setPredictionCol(String value) {
        set(predictionCol, value);
        return this;
    }

    public Param<String> confidenceCol() {
        return confidenceCol;
    }

    public String getConfidenceCol() {
        return $(confidenceCol);
    }

    public PriorCorrection setConfidenceCol(String value) {
        set(confidenceCol, value);
        return this;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        ratio();
        PriorChecks.requireProbabilities(schema, getProbsCol());
        PriorChecks.requireAbsent(schema, getOutputCol());
        PriorChecks.requireAbsent(schema, getPredictionCol());
        PriorChecks.requireAbsent(schema, getConfidenceCol());
        return schema
                .add(getOutputCol(), DataTypes.createArrayType(DataTypes.FloatType, false), false)
                .add(getPredictionCol(), DataTypes.IntegerType, false)
                .add(getConfidenceCol(), DataTypes.FloatType, false);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        transformSchema(dataset.schema(), true);
        Column corrected = PriorShift.corrected(col(getProbsCol()), ratio(), getProbsCol());
        // argmax and maximum on the double vector; the stored vector is float like the scores table
        Map<String, Column> added = new LinkedHashMap<>();
        added.put(getOutputCol(), corrected.cast(DataTypes.createArrayType(DataTypes.FloatType)));
        added.put(getPredictionCol(), PriorShift.argmax(corrected));
        added.put(getConfidenceCol(), array_max(corrected).cast(DataTypes.FloatType));
        return dataset.toDF().withColumns(added);
    }

    public static MLReader<PriorCorrection> read() {
        return new DefaultParamsReader<>();
    }

    public static PriorCorrection load(String path) {
        return read().load(path);
    }
}
