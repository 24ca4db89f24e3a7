package io.merspark.evaluate;

import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(SparkTestSession.class)
class PseudoLabelAccuracyTest {

    static final StructType ID_LABEL = new StructType()
            .add("sample_id", DataTypes.StringType)
            .add("label", DataTypes.StringType);

    @Test
    void countsCorrectAmongAcceptedRowsWithTruth(SparkSession spark, @TempDir Path dir) throws IOException {
        Dataset<Row> pseudo = spark.createDataFrame(List.of(
                RowFactory.create("u1", "happy"),
                RowFactory.create("u2", "sad"),
                RowFactory.create("u3", "angry"),
                RowFactory.create("u4", "neutral"),
                RowFactory.create("u9", "worried")), ID_LABEL)   // u9 has no truth
                .withColumn("weight", org.apache.spark.sql.functions.lit(1.0));
        Path csv = dir.resolve("unlabeled_truth.csv");
        Files.writeString(csv, "sample_id,label\nu1,happy\nu2,worried\nu3,angry\nu4,neutral\nu5,sad\n");

        PseudoLabelAccuracy.Result r = PseudoLabelAccuracy.of(pseudo, PseudoLabelAccuracy.readTruth(spark, csv.toString()));

        assertEquals(new PseudoLabelAccuracy.Result(5, 4, 3), r);
        assertEquals(1, r.withoutTruth());
        assertEquals(0.75, r.accuracy(), 1e-12);
    }

    @Test
    void noAcceptedRowsGiveNaNAccuracy(SparkSession spark) {
        Dataset<Row> empty = spark.createDataFrame(List.<Row>of(), ID_LABEL);
        Dataset<Row> truth = spark.createDataFrame(List.of(RowFactory.create("u1", "happy")), ID_LABEL);

        PseudoLabelAccuracy.Result r = PseudoLabelAccuracy.of(empty, truth);

        assertEquals(new PseudoLabelAccuracy.Result(0, 0, 0), r);
        assertTrue(Double.isNaN(r.accuracy()));
    }

    @Test
    void countsAcceptedRowsPerClassInClassOrder(SparkSession spark) {
        Dataset<Row> pseudo = spark.createDataFrame(List.of(
                RowFactory.create("u1", "happy"),
                RowFactory.create("u2", "neutral"),
                RowFactory.create("u3", "happy")), ID_LABEL);

        var counts = PseudoLabelCounts.perClass(pseudo, "label", List.of("neutral", "angry", "happy"));

        assertEquals(List.of("neutral", "angry", "happy"), List.copyOf(counts.keySet()));
        assertEquals(List.of(1L, 0L, 2L), List.copyOf(counts.values()));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> PseudoLabelCounts.perClass(pseudo, "label", List.of("neutral", "angry")));
        assertTrue(e.getMessage().contains("unknown class happy"), e.getMessage());
    }
}
