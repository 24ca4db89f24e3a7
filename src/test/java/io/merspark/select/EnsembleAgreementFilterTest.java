package io.merspark.select;

import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static io.merspark.select.ConfidenceFilterTest.sorted;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(SparkTestSession.class)
class EnsembleAgreementFilterTest {

    /**
     * Two members each. x: both pick neutral, p(neutral) = 0.5, 0.5 (spread 0). y: mean picks neutral but the
     * second member picks angry; p(neutral) = 0.75, 0.375 (spread 0.1875). z: both pick happy,
     * p(happy) = 0.5, 1.0 (spread 0.25). w: the members tie on neutral and angry; first maximum is neutral.
     */
    static Dataset<Row> scores(SparkSession spark) {
        return new Scores()
                .addMembers("x", new float[] {0.5f, 0.25f, 0.25f, 0, 0, 0}, new float[] {0.5f, 0.125f, 0.125f, 0.25f, 0, 0})
                .addMembers("y", new float[] {0.75f, 0.25f, 0, 0, 0, 0}, new float[] {0.375f, 0.5f, 0.125f, 0, 0, 0})
                .addMembers("z", new float[] {0.25f, 0.25f, 0.5f, 0, 0, 0}, new float[] {0, 0, 1f, 0, 0, 0})
                .addMembers("w", new float[] {0.5f, 0.5f, 0, 0, 0, 0}, new float[] {0.5f, 0.5f, 0, 0, 0, 0})
                .toDF(spark);
    }

    static List<String> ids(Dataset<Row> df) {
        return sorted(df).stream().map(r -> r.<String>getAs("sample_id")).toList();
    }

    @Test
    void spreadIsThePopulationStdOfThePredictedClassAcrossMembers(SparkSession spark) {
        List<Row> spreads = scores(spark)
                .select(col("sample_id"), EnsembleAgreementFilter.predictedClassSpread(col("member_probs"), col("pred")))
                .orderBy("sample_id").collectAsList();

        assertEquals(List.of("w", "x", "y", "z"), spreads.stream().map(r -> r.getString(0)).toList());
        assertEquals(0.0, spreads.get(0).getDouble(1), 1e-9);
        assertEquals(0.0, spreads.get(1).getDouble(1), 1e-9);
        assertEquals(0.1875, spreads.get(2).getDouble(1), 1e-9);   // |0.75 - 0.375| / 2
        assertEquals(0.25, spreads.get(3).getDouble(1), 1e-9);     // |0.5 - 1.0| / 2
    }

    @Test
    void requiresEveryMemberToPickThePrediction(SparkSession spark) {
        assertEquals(List.of("w", "x", "z"), ids(new EnsembleAgreementFilter().transform(scores(spark))));
    }

    @Test
    void spreadAloneOrWithTheVote(SparkSession spark) {
        EnsembleAgreementFilter spreadOnly = new EnsembleAgreementFilter().setRequireAll(false).setMaxSpread(0.1875);
        EnsembleAgreementFilter both = new EnsembleAgreementFilter().setMaxSpread(0.2);

        assertEquals(List.of("w", "x", "y"), ids(spreadOnly.transform(scores(spark))));
        assertEquals(List.of("w", "x"), ids(both.transform(scores(spark))));
    }

    @Test
    void rowsWithoutMembersAreDropped(SparkSession spark) {
        Dataset<Row> input = scores(spark);
        Dataset<Row> noMembersForX = input.withColumn("member_probs",
                when(col("sample_id").equalTo("x"), array().cast(input.schema().apply("member_probs").dataType()))
                        .otherwise(col("member_probs")));

        assertEquals(List.of("w", "z"), ids(new EnsembleAgreementFilter().transform(noMembersForX)));
    }

    @Test
    void schemaValidationNamesTheColumn(SparkSession spark) {
        Dataset<Row> input = scores(spark);

        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> new EnsembleAgreementFilter().transform(input.drop("member_probs")));
        assertTrue(missing.getMessage().contains("'member_probs'"), missing.getMessage());
        IllegalArgumentException flat = assertThrows(IllegalArgumentException.class,
                () -> new EnsembleAgreementFilter().setMemberProbabilitiesCol("probs").transform(input));
        assertTrue(flat.getMessage().contains("'probs' must be an array of per-member"), flat.getMessage());
        IllegalArgumentException pred = assertThrows(IllegalArgumentException.class,
                () -> new EnsembleAgreementFilter().transform(input.withColumn("pred",
                        col("pred").cast(DataTypes.StringType))));
        assertTrue(pred.getMessage().contains("'pred'"), pred.getMessage());
        IllegalArgumentException nothing = assertThrows(IllegalArgumentException.class,
                () -> new EnsembleAgreementFilter().setRequireAll(false).transform(input));
        assertTrue(nothing.getMessage().contains("'maxSpread'"), nothing.getMessage());
    }

    @Test
    void savesAndLoads(@TempDir Path dir) throws Exception {
        String path = dir.resolve("agreement").toString();
        new EnsembleAgreementFilter().setRequireAll(false).setMaxSpread(0.1).save(path);

        EnsembleAgreementFilter loaded = EnsembleAgreementFilter.load(path);

        assertFalse(loaded.getRequireAll());
        assertEquals(0.1, loaded.getMaxSpread());
        assertEquals("member_probs", loaded.getMemberProbabilitiesCol());
    }
}
