package io.merspark.select;

import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds a round's selection chain from its {@link SelectionSettings}. With weighting on,
 * {@link SoftMatchWeighting} runs first so its statistics cover the whole scored pool, as in SoftMatch;
 * the filter then keeps that weight. The fitted {@link PipelineModel} is saved with the round so the
 * exact selection can be replayed.
 */
public final class PseudoLabelSelector {

    private PseudoLabelSelector() {
    }

    public static Pipeline pipeline(SelectionSettings settings) {
        List<PipelineStage> stages = new ArrayList<>();
        if (settings.softWeighting()) {
            stages.add(new SoftMatchWeighting());
        }
        stages.add(filter(settings));
        return new Pipeline().setStages(stages.toArray(PipelineStage[]::new));
    }

    /** The chain as a model; fitting only validates the stages against the scores' schema. */
    public static PipelineModel fit(SelectionSettings settings, Dataset<Row> scores) {
        return pipeline(settings).fit(scores);
    }

    /** The accepted pseudo-labels of {@code scores}. */
    public static Dataset<Row> select(SelectionSettings settings, Dataset<Row> scores) {
        return fit(settings, scores).transform(scores);
    }

    private static PseudoLabelFilter<?> filter(SelectionSettings settings) {
        String[] classes = settings.classes().toArray(String[]::new);
        PseudoLabelFilter<?> filter = switch (settings.strategy()) {
            case FIXED -> new ConfidenceFilter().setThreshold(settings.threshold());
            case CLASSWISE -> new ClassWiseThresholdFilter()
                    .setThresholds(settings.classThresholds().stream().mapToDouble(Double::doubleValue).toArray());
        };
        return filter.setClasses(classes).setStrategyName(settings.strategyName()).setRound(settings.round());
    }
}
