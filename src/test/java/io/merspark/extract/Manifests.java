package io.merspark.extract;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads a mer-mini manifest CSV into the extract stage's input shape, with absolute media paths. */
final class Manifests {

    static final StructType SCHEMA = new StructType()
            .add("sample_id", DataTypes.StringType, false)
            .add("split", DataTypes.StringType, false)
            .add("label", DataTypes.StringType, true)
            .add("video", DataTypes.StringType, true)
            .add("audio", DataTypes.StringType, true)
            .add("text", DataTypes.StringType, true);

    private Manifests() {
    }

    static Dataset<Row> read(SparkSession spark, Path csv) {
        Path dir = csv.getParent().toAbsolutePath();
        List<Row> rows = new ArrayList<>();
        for (Row r : spark.read().option("header", true).option("escape", "\"").option("multiLine", true)
                .csv(csv.toString()).collectAsList()) {
            String video = r.getAs("video");
            rows.add(RowFactory.create(r.getAs("sample_id"), r.getAs("split"), r.getAs("label"),
                    video == null ? null : dir.resolve(video).normalize().toString(), null, r.getAs("text")));
        }
        return spark.createDataFrame(rows, SCHEMA);
    }
}
