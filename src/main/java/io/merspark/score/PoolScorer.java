package io.merspark.score;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Turns a wide feature table into the scores table ({@link EnsembleScorer#SCHEMA}), whatever the model kind. */
public interface PoolScorer {

    Dataset<Row> score(Dataset<Row> wide);
}
