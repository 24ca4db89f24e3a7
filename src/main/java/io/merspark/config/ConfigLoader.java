package io.merspark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Resolves the layered configuration once on the driver:
 * {@code key=value} overrides from the command line, then {@code -D} system properties and
 * {@code CONFIG_FORCE_*} environment variables, then the {@code --conf} file, then {@code reference.conf}.
 * Unknown keys under {@code mer} are rejected here, before any work starts.
 */
public final class ConfigLoader {

    /**
     * Objects whose keys are free-form (class names), or depend on a kind (encoders: checked by their kind), so they
     * are not checked against reference.conf.
     */
    private static final Set<String> OPEN_OBJECTS = Set.of("mer.select.class-thresholds", "mer.evaluate.prior.given",
            "mer.extract.video.encoder", "mer.extract.audio.encoder", "mer.extract.text.encoder");

    private ConfigLoader() {
    }

    public static Config load(Path confFile, List<String> overrides) {
        Config reference = reference();
        Config file = ConfigFactory.empty();
        if (confFile != null) {
            if (!Files.isRegularFile(confFile)) {
                throw new SettingsException("config file not found: " + confFile);
            }
            try {
                file = ConfigFactory.parseFile(new File(confFile.toString()),
                        ConfigParseOptions.defaults().setAllowMissing(false));
            } catch (ConfigException e) {
                throw new SettingsException("cannot parse config file " + confFile + ": " + e.getMessage());
            }
        }
        Config cli = parseOverrides(overrides);
        Config merged = cli
                .withFallback(ConfigFactory.systemEnvironmentOverrides())
                .withFallback(ConfigFactory.systemProperties())
                .withFallback(file)
                .withFallback(reference);
        try {
            merged = merged.resolve();
        } catch (ConfigException e) {
            throw new SettingsException(e.getMessage());
        }
        rejectUnknownKeys(merged, reference);
        return merged;
    }

    /**
     * Every {@code reference.conf} on the classpath, without the system-property overlay of
     * {@code ConfigFactory.defaultReference()}: otherwise a mistyped {@code -Dmer.…} key would count as known.
     */
    static Config reference() {
        return ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(), "reference.conf").resolve();
    }

    static Config parseOverrides(List<String> overrides) {
        Config out = ConfigFactory.empty();
        for (String kv : overrides) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new SettingsException("expected key=value, got '" + kv + "'");
            }
            String key = kv.substring(0, eq).trim();
            if (!key.startsWith("mer.")) {
                key = "mer." + key;
            }
            String value = kv.substring(eq + 1).trim();
            try {
                // Parse the value as HOCON so lists, numbers and booleans keep their types.
                out = ConfigFactory.parseString(key + " = " + value).withFallback(out);
            } catch (ConfigException e) {
                out = ConfigFactory.parseMap(Map.of(key, value)).withFallback(out);
            }
        }
        return out;
    }

    private static void rejectUnknownKeys(Config merged, Config reference) {
        if (!merged.hasPath("mer")) {
            return;
        }
        Set<String> unknown = new TreeSet<>();
        for (Map.Entry<String, ConfigValue> e : merged.getConfig("mer").entrySet()) {
            String path = "mer." + e.getKey();
            if (reference.hasPathOrNull(path) || underOpenObject(path)) {
                continue;
            }
            unknown.add(path);
        }
        if (!unknown.isEmpty()) {
            List<String> list = new ArrayList<>(unknown);
            throw new SettingsException("unknown config key" + (list.size() > 1 ? "s: " : ": ") + String.join(", ", list));
        }
    }

    private static boolean underOpenObject(String path) {
        return OPEN_OBJECTS.stream().anyMatch(o -> path.startsWith(o + "."));
    }
}
