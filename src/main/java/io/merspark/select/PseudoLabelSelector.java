package io.merspark.select;

import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Builds a round's selection chain from its {@link SelectionSettings}. With weighting on,
 * {@link SoftMatchWeighting} runs first so its statistics cover the whole scored pool, as in SoftMatch;
 * the filter then keeps that weight. The threshold filter also sees the whole pool (FlexMatch and FreeMatch
 * derive their thresholds from it); the agreement test and then the quota narrow the accepted rows, so the
 * quota ranks only rows that passed everything else. The fitted {@link PipelineModel} is saved with the round
 * so the exact selection can be replayed.
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
        settings.agreement().ifPresent(a -> stages.add(agreementFilter(a)));
        settings.quota().ifPresent(q -> stages.add(quotaFilter(q)));
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

    /**
     * The FreeMatch state a fitted selection leaves for the next round, from the same {@code scores} it
     * selects from; empty when the selection has no FreeMatch stage.
     */
    public static Optional<FreeMatchState> freeMatchState(PipelineModel model, Dataset<Row> scores) {
        return Arrays.stream(model.stages())
                .filter(FreeMatchThresholdFilter.class::isInstance)
                .map(stage -> ((FreeMatchThresholdFilter) stage).updatedState(scores))
                .findFirst();
    }

    private static PseudoLabelFilter<?> filter(SelectionSettings settings) {
        String[] classes = settings.classes().toArray(String[]::new);
        PseudoLabelFilter<?> filter = switch (settings.strategy()) {
            // SoftMatch replaces the fixed threshold: every row is kept and the truncated Gaussian weight, < 1
            // below the pool's mean confidence, does the selecting (a fixed tau above the mean would leave
            // only rows of weight 1)
            case FIXED -> new ConfidenceFilter().setThreshold(settings.softWeighting() ? 0.0 : settings.threshold());
            case CLASSWISE -> new ClassWiseThresholdFilter()
                    .setThresholds(settings.classThresholds().stream().mapToDouble(Double::doubleValue).toArray());
            case FLEXMATCH -> new FlexMatchThresholdFilter().setThreshold(settings.threshold());
            case FREEMATCH -> {
                FreeMatchThresholdFilter free = new FreeMatchThresholdFilter().setMomentum(settings.momentum());
                settings.previousState().ifPresent(free::setPreviousState);
                yield free;
            }
            case TOPK -> {
                SelectionSettings.TopK t = settings.topK().orElseThrow();
                TopKPerClassFilter top = new TopKPerClassFilter().setFloor(t.floor()).setBudget(t.budget());
                if (!t.prior().isEmpty()) {
                    top.setPrior(t.prior().stream().mapToDouble(Double::doubleValue).toArray());
                }
                if (!t.groupCol().isEmpty()) {
                    top.setGroupCol(t.groupCol());
                }
                yield top;
            }
            // a modifier alone: label every scored row and let the modifier stage select
            case QUOTA, AGREEMENT -> new ConfidenceFilter().setThreshold(0.0);
        };
        return filter.setClasses(classes).setStrategyName(settings.strategyName()).setRound(settings.round());
    }

    private static EnsembleAgreementFilter agreementFilter(SelectionSettings.Agreement agreement) {
        EnsembleAgreementFilter filter = new EnsembleAgreementFilter().setRequireAll(agreement.requireAll());
        agreement.maxSpread().ifPresent(filter::setMaxSpread);
        return filter;
    }

    private static ClassQuotaFilter quotaFilter(SelectionSettings.Quota quota) {
        ClassQuotaFilter filter = new ClassQuotaFilter().setBalanceToMin(quota.balanceToMin());
        quota.maxPerClass().ifPresent(filter::setMaxPerClass);
        return filter;
    }
}
