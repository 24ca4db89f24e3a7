package io.merspark.pipeline;

import io.merspark.features.FeatureTable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;

import java.util.Arrays;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.row_number;

/**
 * Samples whose manifest split changed after extraction (a pool clip labelled into train, a clip moved to test):
 * their feature rows sit in the old split's partition, where a read of the new split never looks. This copies
 * each such (sample, modality) row into the new split's partition. Only the sample_id column and the partition
 * values of the table are scanned to find them; only the files holding a moved row are read in full.
 */
final class SplitMoves {

    private static final String TO = "_to";
    private static final String FILE = "_file";
    private static final String[] KEY = {"sample_id", "modality"};

    private final SparkSession spark;

    SplitMoves(SparkSession spark) {
        this.spark = spark;
    }

    /**
     * Writes the moved rows, split set to the manifest's, under {@code dir} (partitioned as the table).
     *
     * @return how many feature rows were copied (0: nothing written)
     */
    long copy(Dataset<Row> manifest, String featuresDir, String dir) {
        Dataset<Row> placed = spark.read().parquet(featuresDir)
                .select(col("sample_id"), col("modality"), col(FeatureTable.SPLIT), input_file_name().as(FILE))
                .join(manifest.select(col("sample_id"), col(FeatureTable.SPLIT).as(TO)), "sample_id");
        Dataset<Row> inPlace = placed.where(col(FeatureTable.SPLIT).equalTo(col(TO))).select("sample_id", "modality");
        // one copy per (sample, modality), even when stale copies sit in several partitions
        Dataset<Row> moves = placed.where(col(FeatureTable.SPLIT).notEqual(col(TO)))
                .join(inPlace, KEY, "left_anti")
                .withColumn("_rank", row_number().over(Window.partitionBy("sample_id", "modality")
                        .orderBy(col(FeatureTable.SPLIT), col(FILE))))
                .where(col("_rank").equalTo(1)).drop("_rank")
                .cache();
        try {
            List<String> files = moves.select(FILE).distinct().as(Encoders.STRING()).collectAsList()
                    .stream().sorted().toList();
            if (files.isEmpty()) {
                return 0;
            }
            Dataset<Row> source = spark.read().option("basePath", featuresDir).parquet(files.toArray(String[]::new))
                    .withColumn(FILE, input_file_name());
            Column[] columns = Arrays.stream(source.columns())
                    .filter(c -> !c.equals(FILE) && !c.equals(FeatureTable.SPLIT))
                    .map(c -> source.col(c)).toArray(Column[]::new);
            Dataset<Row> copied = source
                    .join(moves, new String[]{"sample_id", "modality", FeatureTable.SPLIT, FILE}, "inner")
                    .select(concat(columns, col(TO).as(FeatureTable.SPLIT)));
            copied.write().partitionBy("modality", FeatureTable.SPLIT).parquet(dir);
            return moves.count();
        } finally {
            moves.unpersist();
        }
    }

    private static Column[] concat(Column[] columns, Column last) {
        Column[] out = Arrays.copyOf(columns, columns.length + 1);
        out[columns.length] = last;
        return out;
    }
}
