package io.merspark.pipeline;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs self-training rounds with resume semantics: a stage whose output is committed is not run again,
 * a complete round (its {@code _SUCCESS}) is a no-op unless forced, and round r refuses to start
 * before round r−1 is complete.
 */
public final class RoundRunner {

    private static final Logger LOG = LoggerFactory.getLogger(RoundRunner.class);

    private final JobContext ctx;
    private final RoundStages stages;

    public RoundRunner(JobContext ctx) {
        this.ctx = ctx;
        this.stages = new RoundStages(ctx);
    }

    /** Thrown when a round cannot start; the message is the one-line reason the CLI prints. */
    public static final class RoundOrderException extends RuntimeException {
        public RoundOrderException(String message) {
            super(message);
        }
    }

    public Map<String, Object> run(int round, boolean force) {
        if (round < 1) {
            throw new RoundOrderException("--round must be >= 1, got " + round);
        }
        var layout = ctx.layout();
        var storage = ctx.storage();
        if (round > 1 && !storage.exists(layout.success(round - 1))) {
            throw new RoundOrderException("round " + round + " cannot start: round " + (round - 1)
                    + " is not complete (no " + layout.success(round - 1) + ")");
        }
        // the class list must be the one earlier rounds' models (and their pseudo-labels) were made with
        for (int r = Math.max(1, round - 1); r <= round; r++) {
            stages.requireModelClasses(r);
        }
        if (storage.exists(layout.success(round))) {
            if (!force) {
                LOG.info("round {} is already complete; nothing to do (use --force to redo it)", round);
                return Json.readMap(storage.readText(layout.metrics(round)));
            }
            storage.delete(layout.round(round));
        } else if (force) {
            storage.delete(layout.round(round));
        }
        if (!storage.exists(layout.model(round))) {
            stages.train(round);
        } else {
            LOG.info("round {}: model already committed, resuming after training", round);
        }
        if (!storage.exists(layout.scores(round))) {
            stages.score(round);
        }
        if (!storage.exists(layout.pseudo(round))) {
            stages.select(round);
        }
        return Json.readMap(stages.evaluate(round, stages.trainInfo(round)).toJson());
    }

    public List<Map<String, Object>> selftrain(int rounds, boolean force) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int r = 1; r <= rounds; r++) {
            out.add(run(r, force));
        }
        return out;
    }
}
