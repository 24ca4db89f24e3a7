package io.merspark.prior;

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

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static io.merspark.prior.PriorCorrectionTest.TARGET;
import static io.merspark.prior.PriorCorrectionTest.TRAIN;
import static io.merspark.prior.PriorCorrectionTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(SparkTestSession.class)
class PriorVotingTest {

    static final StructType SCHEMA = new StructType()
            .add("sample_id", DataTypes.StringType, false)
            .add("member_probs", DataTypes.createArrayType(
                    DataTypes.createArrayType(DataTypes.FloatType, false), false), false);

    /** One row: a sample id and its members' probability vectors. */
    static Row sample(String id, float[]... members) {
        Float[][] boxed = new Float[members.length][];
        for (int m = 0; m < members.length; m++) {
            boxed[m] = new Float[members[m].length];
            for (int c = 0; c < members[m].length; c++) {
                boxed[m][c] = members[m][c];
            }
        }
        return RowFactory.create(id, boxed);
    }

    static float[] p(float... probs) {
        return probs;
    }

    static Dataset<Row> table(SparkSession spark, Row... rows) {
        return spark.createDataFrame(Arrays.asList(rows), SCHEMA);
    }

    /** (voted_pred, votes) per sample id, in id order. */
    static List<List<Object>> votes(Dataset<Row> out) {
        return out.orderBy("sample_id").collectAsList().stream()
                .map(r -> List.<Object>of(r.getString(r.fieldIndex("sample_id")),
                        r.getInt(r.fieldIndex("voted_pred")), r.getInt(r.fieldIndex("votes"))))
                .toList();
    }

    static PriorVoting voting() {
        return new PriorVoting().setTrainPrior(TRAIN).setTargetPrior(TARGET);
    }

    @Test
    void correctedMembersVoteAndConfidenceBreaksTies(SparkSession spark) {
        Dataset<Row> scores = table(spark,
                // corrected votes: happy (0.421), neutral (4/7), happy (4/9) -> happy with 2 votes;
                // uncorrected, all three would vote neutral
                sample("a", p(0.5f, 0.3f, 0.2f), p(0.8f, 0.1f, 0.1f), p(0.6f, 0.2f, 0.2f)),
                // one vote each: neutral (0.45/0.6 = 0.75), angry (0.9/1.025 = 0.878), happy (1.0/1.35 = 0.741)
                // -> angry, the most confident
                sample("b", p(0.9f, 0.05f, 0.05f), p(0.05f, 0.9f, 0.05f), p(0.3f, 0.2f, 0.5f)),
                // two votes each for neutral (0.75, 0.4375: mean 0.594) and happy (0.741, 0.714: mean 0.728),
                // one for angry (0.878) -> happy, though the most confident neutral voter beats both happy voters
                sample("c", p(0.9f, 0.05f, 0.05f), p(0.7f, 0.15f, 0.15f), p(0.3f, 0.2f, 0.5f),
                        p(0.2f, 0.3f, 0.5f), p(0.05f, 0.9f, 0.05f)),
                // both members put exactly 0.5 on neutral and on happy after correction (0.8 * 0.5 = 0.2 * 2 in
                // float too): a member's own tie goes to the lower index
                sample("d", p(0.8f, 0f, 0.2f), p(0.8f, 0f, 0.2f)));

        assertEquals(List.of(
                List.of("a", 2, 2),
                List.of("b", 1, 1),
                List.of("c", 2, 2),
                List.of("d", 0, 2)), votes(voting().transform(scores)));
    }

    @Test
    void poolsMembersAcrossRoundsBySampleId(SparkSession spark) {
        Dataset<Row> round1 = table(spark,
                sample("a", p(0.5f, 0.3f, 0.2f)),
                sample("b", p(0.1f, 0.8f, 0.1f)));
        Dataset<Row> round2 = table(spark,
                sample("a", p(0.8f, 0.1f, 0.1f), p(0.6f, 0.2f, 0.2f)),
                sample("c", p(0.9f, 0.05f, 0.05f)));

        Dataset<Row> pooled = PriorVoting.poolMembers(List.of(round1, round2), "sample_id", "member_probs");

        Row a = pooled.filter("sample_id = 'a'").first();
        assertEquals(3, a.getList(a.fieldIndex("member_probs")).size());
        assertArrayEquals(new String[] {"sample_id", "member_probs"}, pooled.columns());
        // a as in the single-table case: happy with 2 votes; b and c are in one round only
        assertEquals(List.of(
                List.of("a", 2, 2),
                List.of("b", 1, 1),
                List.of("c", 0, 1)), votes(voting().transform(pooled)));
    }

    @Test
    void rowsWithoutMembersOrWithShortVectorsFailNamingTheColumn(SparkSession spark) {
        Exception empty = assertThrows(Exception.class,
                () -> voting().transform(table(spark, sample("a"))).collectAsList());
        assertTrue(empty.getMessage().contains("column 'member_probs' holds a row without ensemble members"),
                empty.getMessage());
        Exception shortVector = assertThrows(Exception.class,
                () -> voting().transform(table(spark, sample("a", p(0.5f, 0.5f)))).collectAsList());
        assertTrue(shortVector.getMessage().contains(
                "column 'member_probs' holds a probability vector that is null or not of length 3"),
                shortVector.getMessage());
    }

    @Test
    void schemaErrorsNameTheColumn(SparkSession spark) {
        Dataset<Row> scores = table(spark, sample("a", p(0.5f, 0.3f, 0.2f)));

        assertMessage("missing input column 'members'", () -> voting().setMemberProbsCol("members").transform(scores));
        assertMessage("column 'sample_id' must be an array of per-member probability arrays",
                () -> voting().setMemberProbsCol("sample_id").transform(scores));
        assertMessage("output column 'sample_id' already exists",
                () -> voting().setVotesCol("sample_id").transform(scores));
    }

    @Test
    void savesAndLoads(@TempDir Path dir, SparkSession spark) throws Exception {
        PriorVoting voting = voting().setOutputCol("prior_vote");
        String path = dir.resolve("voting").toString();
        voting.save(path);

        PriorVoting loaded = PriorVoting.load(path);

        assertArrayEquals(TRAIN, loaded.getTrainPrior(), 0.0);
        assertArrayEquals(TARGET, loaded.getTargetPrior(), 0.0);
        assertEquals("prior_vote", loaded.getOutputCol());
        Dataset<Row> scores = table(spark,
                sample("a", p(0.5f, 0.3f, 0.2f), p(0.8f, 0.1f, 0.1f), p(0.6f, 0.2f, 0.2f)));
        assertEquals(voting.transform(scores).collectAsList(), loaded.transform(scores).collectAsList());
    }

    /**
     * With six classes, the members' correction and ballots are computed once per row, not copied into each
     * class's tally and each output: the optimised plan holds one ballot per member (one array_max of a
     * corrected vector) and one maximum over the tally.
     */
    @Test
    void ballotsAreComputedOncePerRowWhateverTheClassCount(SparkSession spark) {
        double[] six = {0.1, 0.2, 0.2, 0.2, 0.2, 0.1};
        Dataset<Row> scores = spark.createDataFrame(List.of(sample("a",
                p(0.5f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f), p(0.1f, 0.5f, 0.1f, 0.1f, 0.1f, 0.1f))), SCHEMA)
                .repartition(1); // not a local relation, which the optimiser would evaluate away
        Dataset<Row> voted = new PriorVoting().setTrainPrior(six).setTargetPrior(six).transform(scores);

        String plan = voted.queryExecution().optimizedPlan().toString();
        int maxima = plan.split("array_max\\(", -1).length - 1;
        assertEquals(3, maxima, plan);
        assertEquals(List.of(List.of("a", 0, 1)), votes(voted));
    }
}
