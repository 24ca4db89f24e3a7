package io.merspark.select;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * How one round selects pseudo-labels: the filter strategy with its threshold(s), optional per-class quota and
 * ensemble-agreement modifiers, and whether SoftMatch weighting is applied. Build with {@link #fixed},
 * {@link #classWise}, {@link #flexMatch}, {@link #freeMatch}, {@link #quota} or {@link #agreement} and the
 * {@code with...} methods; values are validated here so a wrong setting fails before any Spark job runs.
 *
 * @param strategy         the filter; a modifier strategy ({@code quota}, {@code agreement}) alone labels every
 *                         scored row and applies only that modifier
 * @param classes          class names in index order
 * @param threshold        the fixed and FlexMatch threshold in [0, 1] (ignored by the others)
 * @param classThresholds  the class-wise strategy's thresholds, aligned with {@code classes} (empty otherwise)
 * @param softWeighting    weight accepted rows with {@link SoftMatchWeighting} instead of 1.0; with {@code fixed}
 *                         it replaces the threshold (every scored row is kept, weighted)
 * @param round            the self-training round written to each accepted row
 * @param momentum         FreeMatch's EMA momentum per round, in [0, 1]
 * @param previousState    FreeMatch's state from the previous round; the paper's initial state when empty
 * @param quota            per-class quota applied after the filter
 * @param agreement        ensemble-agreement test applied after the filter
 * @param topK             the {@code topk} strategy's floor, budget and class prior (empty otherwise)
 */
public record SelectionSettings(Strategy strategy, List<String> classes, double threshold,
                                List<Double> classThresholds, boolean softWeighting, int round,
                                double momentum, Optional<FreeMatchState> previousState,
                                Optional<Quota> quota, Optional<Agreement> agreement, Optional<TopK> topK) {

    /** FreeMatch's per-round EMA momentum unless set; see {@link FreeMatchThresholdFilter}. */
    public static final double DEFAULT_MOMENTUM = 0.5;

    /**
     * The strategies by config name. {@code quota} and {@code agreement} are modifiers: alone they select from
     * every scored row, and with {@link #withQuota}/{@link #withAgreement} they narrow another strategy.
     */
    public enum Strategy {
        FIXED("fixed", false), CLASSWISE("classwise", false), FLEXMATCH("flexmatch", false),
        FREEMATCH("freematch", false), TOPK("topk", false), QUOTA("quota", true), AGREEMENT("agreement", true);

        private final String configName;
        private final boolean modifier;

        Strategy(String configName, boolean modifier) {
            this.configName = configName;
            this.modifier = modifier;
        }

        public String configName() {
            return configName;
        }

        public boolean modifier() {
            return modifier;
        }

        public static Strategy parse(String name) {
            for (Strategy s : values()) {
                if (s.configName.equals(name.trim().toLowerCase(Locale.ROOT))) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown selection strategy '" + name + "', expected one of "
                    + Stream.of(values()).map(Strategy::configName).collect(Collectors.joining(", ")));
        }
    }

    /**
     * A per-class cap: at most {@code maxPerClass} rows, and/or the smallest class's accepted count.
     * See {@link ClassQuotaFilter}.
     */
    public record Quota(OptionalInt maxPerClass, boolean balanceToMin) {
        public Quota {
            if (maxPerClass.isEmpty() && !balanceToMin) {
                throw new IllegalArgumentException("a quota needs maxPerClass or balanceToMin");
            }
            if (maxPerClass.isPresent() && maxPerClass.getAsInt() < 1) {
                throw new IllegalArgumentException("maxPerClass must be >= 1, got " + maxPerClass.getAsInt());
            }
        }

        public static Quota top(int maxPerClass) {
            return new Quota(OptionalInt.of(maxPerClass), false);
        }

        public static Quota balanced() {
            return new Quota(OptionalInt.empty(), true);
        }
    }

    /**
     * Class-balanced top-k: per class the most confident rows at or above {@code floor}, {@code budget} of the pool
     * in all, split by {@code prior} (aligned with the classes; empty = uniform); {@code groupCol} non-empty fills
     * each class's quota round-robin over that column's groups. See {@link TopKPerClassFilter}.
     */
    public record TopK(double floor, double budget, List<Double> prior, String groupCol) {
        public TopK(double floor, double budget, List<Double> prior) {
            this(floor, budget, prior, "");
        }

        public TopK {
            groupCol = groupCol == null ? "" : groupCol;
            prior = List.copyOf(prior);
            requireProbability("topk floor", floor);
            if (!(budget > 0 && budget <= 1)) {
                throw new IllegalArgumentException("topk budget must be in (0, 1], got " + budget);
            }
            if (prior.stream().anyMatch(v -> !(v >= 0)) || (!prior.isEmpty()
                    && prior.stream().mapToDouble(Double::doubleValue).sum() <= 0)) {
                throw new IllegalArgumentException("topk prior must be non-negative with a positive sum, got " + prior);
            }
        }
    }

    /** Which agreement tests apply; see {@link EnsembleAgreementFilter}. */
    public record Agreement(boolean requireAll, OptionalDouble maxSpread) {
        public Agreement {
            if (!requireAll && maxSpread.isEmpty()) {
                throw new IllegalArgumentException("an agreement test needs requireAll or maxSpread");
            }
            if (maxSpread.isPresent() && !(maxSpread.getAsDouble() >= 0)) {
                throw new IllegalArgumentException("maxSpread must be >= 0, got " + maxSpread.getAsDouble());
            }
        }

        /** Every member's argmax equals the prediction. */
        public static Agreement unanimous() {
            return new Agreement(true, OptionalDouble.empty());
        }

        public Agreement withMaxSpread(double value) {
            return new Agreement(requireAll, OptionalDouble.of(value));
        }
    }

    public SelectionSettings {
        classes = List.copyOf(classes);
        classThresholds = List.copyOf(classThresholds);
        if (classes.isEmpty()) {
            throw new IllegalArgumentException("selection needs at least one class");
        }
        if (round < 0) {
            throw new IllegalArgumentException("round must be >= 0, got " + round);
        }
        switch (strategy) {
            case FIXED, FLEXMATCH -> requireProbability("threshold", threshold);
            case CLASSWISE -> {
                if (classThresholds.size() != classes.size()) {
                    throw new IllegalArgumentException(classThresholds.size() + " class thresholds for "
                            + classes.size() + " classes " + classes);
                }
                for (int c = 0; c < classes.size(); c++) {
                    requireProbability("threshold of class " + classes.get(c), classThresholds.get(c));
                }
            }
            case FREEMATCH -> {
                requireProbability("FreeMatch momentum", momentum);
                if (previousState.isPresent() && !previousState.get().classes().equals(classes)) {
                    throw new IllegalArgumentException("FreeMatch state is for classes "
                            + previousState.get().classes() + ", not " + classes);
                }
            }
            case TOPK -> requirePresent(topK, "topk");
            case QUOTA -> requirePresent(quota, "quota");
            case AGREEMENT -> requirePresent(agreement, "agreement");
        }
    }

    /** The settings before the adaptive strategies and modifiers: none of them on. */
    public SelectionSettings(Strategy strategy, List<String> classes, double threshold,
                             List<Double> classThresholds, boolean softWeighting, int round) {
        this(strategy, classes, threshold, classThresholds, softWeighting, round, DEFAULT_MOMENTUM,
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    public static SelectionSettings fixed(List<String> classes, double threshold) {
        return new SelectionSettings(Strategy.FIXED, classes, threshold, List.of(), false, 0);
    }

    public static SelectionSettings classWise(List<String> classes, List<Double> thresholds) {
        return new SelectionSettings(Strategy.CLASSWISE, classes, Double.NaN, thresholds, false, 0);
    }

    /** FlexMatch with upper threshold {@code threshold}. */
    public static SelectionSettings flexMatch(List<String> classes, double threshold) {
        return new SelectionSettings(Strategy.FLEXMATCH, classes, threshold, List.of(), false, 0);
    }

    /** FreeMatch from the initial state with the default momentum; see {@link #withPreviousState}. */
    public static SelectionSettings freeMatch(List<String> classes) {
        return new SelectionSettings(Strategy.FREEMATCH, classes, Double.NaN, List.of(), false, 0);
    }

    /** Class-balanced top-k; see {@link TopK}. */
    public static SelectionSettings topK(List<String> classes, TopK topK) {
        if (!topK.prior().isEmpty() && topK.prior().size() != classes.size()) {
            throw new IllegalArgumentException(topK.prior().size() + " prior values for " + classes.size()
                    + " classes " + classes);
        }
        return new SelectionSettings(Strategy.TOPK, classes, Double.NaN, List.of(), false, 0, DEFAULT_MOMENTUM,
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(topK));
    }

    /** Only a per-class quota over all scored rows. */
    public static SelectionSettings quota(List<String> classes, Quota quota) {
        return new SelectionSettings(Strategy.QUOTA, classes, Double.NaN, List.of(), false, 0, DEFAULT_MOMENTUM,
                Optional.empty(), Optional.of(quota), Optional.empty(), Optional.empty());
    }

    /** Only an ensemble-agreement test over all scored rows. */
    public static SelectionSettings agreement(List<String> classes, Agreement agreement) {
        return new SelectionSettings(Strategy.AGREEMENT, classes, Double.NaN, List.of(), false, 0,
                DEFAULT_MOMENTUM, Optional.empty(), Optional.empty(), Optional.of(agreement), Optional.empty());
    }

    public SelectionSettings withSoftWeighting(boolean on) {
        return new SelectionSettings(strategy, classes, threshold, classThresholds, on, round, momentum,
                previousState, quota, agreement, topK);
    }

    public SelectionSettings forRound(int r) {
        return new SelectionSettings(strategy, classes, threshold, classThresholds, softWeighting, r, momentum,
                previousState, quota, agreement, topK);
    }

    public SelectionSettings withMomentum(double m) {
        return new SelectionSettings(strategy, classes, threshold, classThresholds, softWeighting, round, m,
                previousState, quota, agreement, topK);
    }

    /** FreeMatch continues from the state the previous round stored. */
    public SelectionSettings withPreviousState(FreeMatchState state) {
        return new SelectionSettings(strategy, classes, threshold, classThresholds, softWeighting, round, momentum,
                Optional.of(state), quota, agreement, topK);
    }

    public SelectionSettings withQuota(Quota q) {
        return new SelectionSettings(strategy, classes, threshold, classThresholds, softWeighting, round, momentum,
                previousState, Optional.of(q), agreement, topK);
    }

    public SelectionSettings withAgreement(Agreement a) {
        return new SelectionSettings(strategy, classes, threshold, classThresholds, softWeighting, round, momentum,
                previousState, quota, Optional.of(a), topK);
    }

    /**
     * The strategy name recorded on accepted rows: the strategy, then each further modifier and the weighting,
     * e.g. {@code fixed}, {@code classwise+softmatch} or {@code flexmatch+agreement+quota}.
     */
    public String strategyName() {
        if (strategy == Strategy.FIXED && softWeighting && agreement.isEmpty() && quota.isEmpty()) {
            return "softmatch"; // the weighting replaced the fixed threshold
        }
        List<String> parts = new ArrayList<>(List.of(strategy.configName()));
        if (agreement.isPresent() && strategy != Strategy.AGREEMENT) {
            parts.add(Strategy.AGREEMENT.configName());
        }
        if (quota.isPresent() && strategy != Strategy.QUOTA) {
            parts.add(Strategy.QUOTA.configName());
        }
        if (softWeighting) {
            parts.add("softmatch");
        }
        return String.join("+", parts);
    }

    private static void requireProbability(String what, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(what + " must be in [0, 1], got " + value);
        }
    }

    private static void requirePresent(Optional<?> modifier, String name) {
        if (modifier.isEmpty()) {
            throw new IllegalArgumentException("strategy '" + name + "' needs its " + name + " settings");
        }
    }
}
