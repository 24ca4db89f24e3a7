package io.merspark.score;

import io.merspark.features.GroupNormalization;
import io.merspark.features.GroupStandardiser;
import io.merspark.features.PooledFeatures;
import io.merspark.train.LogRegModel;
import io.merspark.train.TemperatureScaling;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.util.List;

import static org.apache.spark.sql.functions.col;

/**
 * Scores with a saved logistic-regression baseline: the fitted Spark ML pipeline is a DataFrame transform, so
 * the rows are scored on the executors; its raw margins are the logits, calibrated by the saved temperature.
 * The single model is also the only "member", so agreement and prior voting see one vote.
 */
public final class LogRegScorer implements PoolScorer {

    private final LogRegModel model;
    private final GroupStandardiser standardiser;

    public LogRegScorer(LogRegModel model) {
        this(model, null);
    }

    /** @param standardiser per-group statistics the model was trained with (null: rows as read) */
    public LogRegScorer(LogRegModel model, GroupStandardiser standardiser) {
        this.model = model;
        this.standardiser = standardiser;
    }

    @Override
    public Dataset<Row> score(Dataset<Row> wide) {
        double t = model.manifest().temperature();
        MapFunction<Row, Row> toScores = r -> {
            float[] logits = PooledFeatures.vectors(r, List.of("logits"))[0];
            float[] probs = TemperatureScaling.apply(new float[][] {logits}, t)[0];
            ScoreStats s = ScoreStats.of(probs);
            scala.collection.immutable.Seq<Float> p = PooledFeatures.seq(probs);
            return RowFactory.create(r.getString(0), p,
                    scala.jdk.javaapi.CollectionConverters.asScala(List.of(p)).toList(),
                    s.pred(), s.confidence(), s.margin(), s.entropy());
        };
        Dataset<Row> rows = standardiser == null ? wide
                : standardiser.apply(wide, GroupNormalization.ROW_GROUP, false);
        return model.pipeline().transform(rows)
                .select(col("sample_id"), org.apache.spark.ml.functions.vector_to_array(col("rawPrediction"), "float32")
                        .as("logits"))
                .map(toScores, Encoders.row(EnsembleScorer.SCHEMA));
    }
}
