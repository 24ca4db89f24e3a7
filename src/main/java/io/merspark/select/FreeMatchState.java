package io.merspark.select;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * FreeMatch's self-adaptive threshold state after a round: the global threshold {@code tau_t} (EMA of the
 * mean confidence) and the local class estimates {@code p_t(c)} (EMA of the mean probability of each class).
 * A round stores it as JSON next to its outputs; the next round's {@link FreeMatchThresholdFilter} starts
 * from it.
 *
 * @param classes            class names in index order, so a stored state is checked against the next round's
 * @param globalThreshold    {@code tau_t}, in [0, 1]
 * @param classProbabilities {@code p_t(c)}, aligned with {@code classes}, each in [0, 1], not all zero
 */
public record FreeMatchState(List<String> classes, double globalThreshold, List<Double> classProbabilities) {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public FreeMatchState {
        classes = List.copyOf(classes);
        classProbabilities = List.copyOf(classProbabilities);
        if (classes.isEmpty()) {
            throw new IllegalArgumentException("FreeMatch state needs at least one class");
        }
        if (classProbabilities.size() != classes.size()) {
            throw new IllegalArgumentException(classProbabilities.size() + " class probabilities for "
                    + classes.size() + " classes " + classes);
        }
        requireProbability("global threshold", globalThreshold);
        classProbabilities.forEach(p -> requireProbability("class probability", p));
        if (classProbabilities.stream().allMatch(p -> p == 0)) {
            throw new IllegalArgumentException("class probabilities are all zero");
        }
    }

    /** The paper's start: {@code tau_0 = 1 / C} and a uniform {@code p_0(c) = 1 / C}. */
    public static FreeMatchState initial(List<String> classes) {
        double uniform = 1.0 / classes.size();
        return new FreeMatchState(classes, uniform, classes.stream().map(c -> uniform).toList());
    }

    /**
     * The EMA step: {@code tau_t = lambda tau_{t-1} + (1 - lambda) meanConfidence} and likewise for each
     * class probability.
     */
    public FreeMatchState update(double meanConfidence, double[] meanClassProbabilities, double momentum) {
        if (meanClassProbabilities.length != classes.size()) {
            throw new IllegalArgumentException(meanClassProbabilities.length + " mean class probabilities for "
                    + classes.size() + " classes");
        }
        List<Double> next = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            next.add(momentum * classProbabilities.get(c) + (1 - momentum) * meanClassProbabilities[c]);
        }
        return new FreeMatchState(classes, momentum * globalThreshold + (1 - momentum) * meanConfidence, next);
    }

    /** The local thresholds {@code tau_t(c) = MaxNorm(p_t)(c) * tau_t}. */
    public double[] localThresholds() {
        double max = classProbabilities.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        return classProbabilities.stream().mapToDouble(p -> p / max * globalThreshold).toArray();
    }

    public String toJson() {
        ObjectNode node = MAPPER.createObjectNode();
        ArrayNode names = node.putArray("classes");
        classes.forEach(names::add);
        node.put("global_threshold", globalThreshold);
        ArrayNode probs = node.putArray("class_probabilities");
        classProbabilities.forEach(probs::add);
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write FreeMatch state", e);
        }
    }

    public static FreeMatchState fromJson(String json) {
        JsonNode node;
        try {
            node = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("FreeMatch state is not valid JSON: " + e.getOriginalMessage(), e);
        }
        List<String> classes = new ArrayList<>();
        required(node, "classes").forEach(n -> classes.add(n.asText()));
        List<Double> probs = new ArrayList<>();
        required(node, "class_probabilities").forEach(n -> probs.add(number(n, "class_probabilities")));
        return new FreeMatchState(classes, number(required(node, "global_threshold"), "global_threshold"), probs);
    }

    private static JsonNode required(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException("FreeMatch state lacks '" + field + "'");
        }
        return value;
    }

    private static double number(JsonNode value, String field) {
        if (!value.isNumber()) {
            throw new IllegalArgumentException("FreeMatch state '" + field + "' must be numeric, found " + value);
        }
        return value.doubleValue();
    }

    private static void requireProbability(String what, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(what + " must be in [0, 1], got " + value);
        }
    }
}
