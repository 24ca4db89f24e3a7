package io.merspark.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.spark.ml.PipelineModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A fitted logistic-regression baseline as saved in a round's model folder: the Spark ML pipeline
 * (assembler → scaler → multinomial logistic regression) under {@code logreg/}, and {@code logreg.json} with the
 * class list, the inputs, the penalty cross-validation chose and the calibration temperature.
 */
public final class LogRegModel {

    public static final String MANIFEST_FILE = "logreg.json";
    public static final String PIPELINE_DIR = "logreg";
    static final int FORMAT = 1;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * @param temperature T of the calibrated probabilities softmax(rawPrediction / T)
     */
    public record Manifest(int format, List<String> classes, List<String> modalities, int[] dims, double regParam,
                           double elasticNetParam, double temperature) {
    }

    private final PipelineModel pipeline;
    private final Manifest manifest;

    public LogRegModel(PipelineModel pipeline, Manifest manifest) {
        this.pipeline = pipeline;
        this.manifest = manifest;
    }

    public PipelineModel pipeline() {
        return pipeline;
    }

    public Manifest manifest() {
        return manifest;
    }

    /** Writes the pipeline and the manifest into {@code dir} (a local folder). */
    public void save(Path dir) {
        try {
            pipeline.write().overwrite().save(dir.resolve(PIPELINE_DIR).toUri().toString());
            JSON.writeValue(dir.resolve(MANIFEST_FILE).toFile(), manifest);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the logistic regression to " + dir, e);
        }
    }

    /** Reads a saved model; {@code modelDir} is a Hadoop path or URI of the model folder. */
    public static LogRegModel load(String modelDir, String manifestText) {
        try {
            Manifest m = JSON.readValue(manifestText, Manifest.class);
            if (m.format() != FORMAT) {
                throw new IllegalArgumentException("unsupported " + MANIFEST_FILE + " format " + m.format() + " in " + modelDir);
            }
            return new LogRegModel(PipelineModel.load(modelDir + "/" + PIPELINE_DIR), m);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + modelDir + "/" + MANIFEST_FILE, e);
        }
    }
}
