package io.merspark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.util.Map;
import java.util.TreeMap;

/**
 * Renders {@code reference.conf} as the README's table of config keys (key, default, comment), so the
 * documentation is generated from the one place that defines the keys and a test keeps the two in sync.
 */
public final class ConfigDoc {

    public static final String BEGIN = "<!-- config-keys:begin (generated from reference.conf by ConfigDoc; ConfigDocTest keeps it in sync) -->";
    public static final String END = "<!-- config-keys:end -->";

    private ConfigDoc() {
    }

    public static String markdownTable() {
        Config reference = ConfigLoader.reference();
        Map<String, ConfigValue> entries = new TreeMap<>();
        for (Map.Entry<String, ConfigValue> e : reference.getConfig("mer").entrySet()) {
            entries.put("mer." + e.getKey(), e.getValue());
        }
        // Empty objects (free-form maps) have no leaf entries; list them too.
        reference.getConfig("mer").root().forEach((k, v) -> collectEmptyObjects("mer." + k, v, entries));
        StringBuilder b = new StringBuilder(BEGIN).append('\n');
        b.append("| key | default | meaning |\n|---|---|---|\n");
        for (Map.Entry<String, ConfigValue> e : entries.entrySet()) {
            String value = e.getValue().render(com.typesafe.config.ConfigRenderOptions.concise());
            String comment = e.getValue().origin().comments().stream().map(String::trim)
                    .collect(java.util.stream.Collectors.joining(" ")).trim();
            b.append("| `").append(e.getKey()).append("` | `").append(value.replace("|", "\\|")).append("` | ")
                    .append(comment.replace("|", "\\|")).append(" |\n");
        }
        return b.append(END).toString();
    }

    private static void collectEmptyObjects(String path, ConfigValue v, Map<String, ConfigValue> out) {
        if (v.valueType() != ConfigValueType.OBJECT) {
            return;
        }
        com.typesafe.config.ConfigObject o = (com.typesafe.config.ConfigObject) v;
        if (o.isEmpty()) {
            out.put(path, v);
        }
        o.forEach((k, child) -> collectEmptyObjects(path + "." + k, child, out));
    }
}
