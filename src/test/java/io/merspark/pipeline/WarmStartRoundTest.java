package io.merspark.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** mer.train.warm-start through real rounds on tiny/: round 2 continues round 1's members, in round 1's folds. */
@Tag("slow")
@ExtendWith(SparkTestSession.class)
class WarmStartRoundTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void roundTwoContinuesRoundOnesMembersAndAChangedFoldingTrainsFresh(SparkSession spark, @TempDir Path root)
            throws IOException {
        String[] agt = {"train.model=agt", "train.max-epochs=4", "train.patience=2", "train.agt.width=32",
                "train.agt.heads=2", "train.warm-start=true", "select.collapse-guard=false"};
        JobContext ctx = JobContext.of(spark, RoundPipelineTest.settings(root, agt));
        IngestStage.run(ctx, ctx.settings().manifest());
        ExtractStage.run(ctx);
        RoundRunner rounds = new RoundRunner(ctx);
        rounds.run(1, false);
        rounds.run(2, false);

        JsonNode first = trainInfo(ctx, 1);
        JsonNode second = trainInfo(ctx, 2);
        assertFalse(first.get("warm_start").get("used").asBoolean());
        assertEquals("round 1 has no earlier members", first.get("warm_start").get("reason").asText());
        assertTrue(second.get("warm_start").get("used").asBoolean(), second.get("warm_start").toString());
        assertEquals(1, second.get("warm_start").get("from_round").asInt());
        assertEquals(3, second.get("warm_start").get("members").asInt());
        assertTrue(second.get("n_pseudo_used").asLong() > 0, "round 2 trains on pseudo-labels too");
        // pseudo-labels join the training rows, yet the gold rows fall into the same folds as in round 1
        assertEquals(first.get("folds_sha256").asText(), second.get("folds_sha256").asText());
        assertEquals(spec(ctx, 1).get("seed").asLong(), spec(ctx, 2).get("seed").asLong());

        // another global seed deals the gold rows differently: round 3 may not continue round 2's members
        JobContext reseeded = JobContext.of(spark, RoundPipelineTest.settings(root, concat(agt, "seed=7")));
        new RoundStages(reseeded).train(3);
        JsonNode third = trainInfo(reseeded, 3);
        assertFalse(third.get("warm_start").get("used").asBoolean());
        assertTrue(third.get("warm_start").get("reason").asText().contains("folds_sha256 differs"),
                third.get("warm_start").toString());
        assertNotEquals(second.get("folds_sha256").asText(), third.get("folds_sha256").asText());
    }

    private static JsonNode trainInfo(JobContext ctx, int round) throws IOException {
        return JSON.readTree(Path.of(ctx.layout().model(round), RoundStages.TRAIN_INFO_FILE).toFile());
    }

    private static JsonNode spec(JobContext ctx, int round) throws IOException {
        return JSON.readTree(Path.of(ctx.layout().model(round), "ensemble.json").toFile()).get("spec");
    }

    private static String[] concat(String[] a, String b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = b;
        return out;
    }
}
