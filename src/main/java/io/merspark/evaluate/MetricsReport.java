package io.merspark.evaluate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;

/**
 * A round's {@code metrics.json}: the test-set metrics under fixed keys, plus whatever the round adds
 * ({@code n_train}, {@code n_pseudo}, {@code pseudo_accuracy}, ...). Immutable: {@link #with} returns a new
 * report. Non-finite numbers (e.g. the accuracy of zero matched pseudo-labels) are written as {@code null},
 * since JSON has no NaN.
 */
public final class MetricsReport {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Keys the report owns; {@link #with} refuses them so a caller cannot overwrite a computed metric. */
    public static final Set<String> METRIC_KEYS = Set.of("round", "waf", "accuracy", "macro_f1", "per_class_f1",
            "per_class_precision", "per_class_recall", "confusion", "n_test");

    private final ObjectNode root;

    private MetricsReport(ObjectNode root) {
        this.root = root;
    }

    public static MetricsReport of(int round, ClassificationMetrics m, List<String> classes) {
        long[][] confusion = m.confusion();
        if (confusion.length != classes.size()) {
            throw new IllegalArgumentException(classes.size() + " class names for a " + confusion.length
                    + "-class confusion matrix");
        }
        ObjectNode root = MAPPER.createObjectNode();
        root.put("round", round);
        root.put("waf", m.waf());
        root.put("accuracy", m.accuracy());
        root.put("macro_f1", m.macroF1());
        root.set("per_class_f1", perClass(classes, m.perClassF1()));
        root.set("per_class_precision", perClass(classes, m.perClassPrecision()));
        root.set("per_class_recall", perClass(classes, m.perClassRecall()));
        ObjectNode matrix = root.putObject("confusion");
        matrix.set("classes", MAPPER.valueToTree(classes));
        ArrayNode rows = matrix.putArray("matrix");
        for (long[] row : confusion) {
            ArrayNode r = rows.addArray();
            for (long count : row) {
                r.add(count);
            }
        }
        root.put("n_test", m.total());
        return new MetricsReport(root);
    }

    /** Adds an extra key; the value is any Jackson-serialisable object (number, string, map, list, ...). */
    public MetricsReport with(String key, Object value) {
        if (METRIC_KEYS.contains(key)) {
            throw new IllegalArgumentException("'" + key + "' is a computed metric and cannot be replaced");
        }
        ObjectNode copy = root.deepCopy();
        copy.set(key, toNode(value));
        return new MetricsReport(copy);
    }

    public JsonNode toJsonNode() {
        return root.deepCopy();
    }

    public String toJson() {
        try {
            return MAPPER.writeValueAsString(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes through a temporary sibling and a rename, so a reader never sees half a file. */
    public void write(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, toJson(), StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static JsonNode read(Path file) throws IOException {
        return MAPPER.readTree(file.toFile());
    }

    private static ObjectNode perClass(List<String> classes, double[] values) {
        ObjectNode node = MAPPER.createObjectNode();
        for (int c = 0; c < values.length; c++) {
            node.put(classes.get(c), values[c]);
        }
        return node;
    }

    private static JsonNode toNode(Object value) {
        return finite(MAPPER.valueToTree(value));
    }

    /** Replaces NaN and infinities, at any depth, by null. */
    private static JsonNode finite(JsonNode node) {
        if (node == null || node.isNumber() && !Double.isFinite(node.doubleValue())) {
            return NullNode.getInstance();
        }
        if (node instanceof ObjectNode object) {
            object.properties().forEach(e -> e.setValue(finite(e.getValue())));
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                array.set(i, finite(array.get(i)));
            }
        }
        return node;
    }
}
