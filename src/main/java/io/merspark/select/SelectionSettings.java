package io.merspark.select;

import java.util.List;
import java.util.Locale;

/**
 * How one round selects pseudo-labels: the filter strategy with its threshold(s), and whether SoftMatch
 * weighting is applied. Build with {@link #fixed} or {@link #classWise}; values are validated here so a
 * wrong setting fails before any Spark job runs.
 *
 * @param strategy         the filter
 * @param classes          class names in index order
 * @param threshold        the fixed strategy's threshold in [0, 1] (ignored by class-wise)
 * @param classThresholds  the class-wise strategy's thresholds, aligned with {@code classes} (empty for fixed)
 * @param softWeighting    weight accepted rows with {@link SoftMatchWeighting} instead of 1.0
 * @param round            the self-training round written to each accepted row
 */
public record SelectionSettings(Strategy strategy, List<String> classes, double threshold,
                                List<Double> classThresholds, boolean softWeighting, int round) {

    /** The filter strategies; {@link #parse} accepts the config names {@code fixed} and {@code classwise}. */
    public enum Strategy {
        FIXED("fixed"), CLASSWISE("classwise");

        private final String configName;

        Strategy(String configName) {
            this.configName = configName;
        }

        public String configName() {
            return configName;
        }

        public static Strategy parse(String name) {
            for (Strategy s : values()) {
                if (s.configName.equals(name.trim().toLowerCase(Locale.ROOT))) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown selection strategy '" + name + "', expected fixed or classwise");
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
        if (strategy == Strategy.FIXED) {
            requireProbability("threshold", threshold);
        } else {
            if (classThresholds.size() != classes.size()) {
                throw new IllegalArgumentException(classThresholds.size() + " class thresholds for "
                        + classes.size() + " classes " + classes);
            }
            for (int c = 0; c < classes.size(); c++) {
                requireProbability("threshold of class " + classes.get(c), classThresholds.get(c));
            }
        }
    }

    public static SelectionSettings fixed(List<String> classes, double threshold) {
        return new SelectionSettings(Strategy.FIXED, classes, threshold, List.of(), false, 0);
    }

    public static SelectionSettings classWise(List<String> classes, List<Double> thresholds) {
        return new SelectionSettings(Strategy.CLASSWISE, classes, Double.NaN, thresholds, false, 0);
    }

    public SelectionSettings withSoftWeighting(boolean on) {
        return new SelectionSettings(strategy, classes, threshold, classThresholds, on, round);
    }

    public SelectionSettings forRound(int r) {
        return new SelectionSettings(strategy, classes, threshold, classThresholds, softWeighting, r);
    }

    /** The strategy name recorded on accepted rows, e.g. {@code fixed} or {@code classwise+softmatch}. */
    public String strategyName() {
        return strategy.configName() + (softWeighting ? "+softmatch" : "");
    }

    private static void requireProbability(String what, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(what + " must be in [0, 1], got " + value);
        }
    }
}
