package io.merspark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One {@code mer.extract.<modality>.encoder} object: its {@code kind} picks the keys it may have. The reference
 * object describes the bundled model; its values do not carry over to another kind (a CLIP tower does not inherit the
 * face model's file or size), so a key another kind needs and the user did not set is missing, and named; keys of the
 * bundled kind that another kind does not have are ignored under that kind.
 */
final class EncoderConfig {

    private final String path;
    private final String kind;
    private final Config own;

    private EncoderConfig(String path, String kind, Config own) {
        this.path = path;
        this.kind = kind;
        this.own = own;
    }

    /**
     * @param kinds kind → the keys it accepts besides {@code kind}
     * @throws SettingsException an unknown kind, or a key the kind does not have
     */
    static EncoderConfig of(Config c, Config reference, String path, Map<String, Set<String>> kinds) {
        if (!c.hasPath(path + ".kind")) {
            throw new SettingsException(path + ".kind is missing: one of " + new TreeSet<>(kinds.keySet()));
        }
        String kind = c.getString(path + ".kind");
        Set<String> keys = kinds.get(kind);
        if (keys == null) {
            throw new SettingsException(path + ".kind must be one of " + new TreeSet<>(kinds.keySet())
                    + ", got '" + kind + "'");
        }
        Config object = c.getConfig(path);
        Config ref = reference.hasPath(path) ? reference.getConfig(path) : ConfigFactory.empty();
        boolean bundledKind = ref.hasPath("kind") && kind.equals(ref.getString("kind"));
        Config own = ConfigFactory.empty();
        Set<String> unknown = new TreeSet<>();
        for (Map.Entry<String, ConfigValue> e : object.entrySet()) {
            String key = e.getKey();
            if (key.equals("kind")) {
                continue;
            }
            // under another kind, the bundled kind's values are not taken over, nor are its own keys an error
            // (a conf that pins the bundled files, e.g. conf/local.conf, still loads with another kind)
            boolean inherited = !bundledKind && ref.hasPath(key)
                    && (fromReference(e.getValue()) || !keys.contains(key));
            if (inherited) {
                continue;
            }
            if (!keys.contains(key)) {
                unknown.add(path + "." + key);
                continue;
            }
            own = own.withValue(key, e.getValue());
        }
        if (!unknown.isEmpty()) {
            throw new SettingsException("unknown config key" + (unknown.size() > 1 ? "s" : "") + " for kind " + kind
                    + ": " + String.join(", ", unknown));
        }
        return new EncoderConfig(path, kind, own);
    }

    /** True for a value that no file, override or property set: it comes from reference.conf itself. */
    private static boolean fromReference(ConfigValue v) {
        return "reference.conf".equals(v.origin().resource());
    }

    String kind() {
        return kind;
    }

    /** The full key of {@code key} in this object. */
    String key(String key) {
        return path + "." + key;
    }

    boolean has(String key) {
        return own.hasPath(key);
    }

    String required(String key) {
        if (!own.hasPath(key)) {
            throw new SettingsException(key(key) + " is missing (needed by kind " + kind + ")");
        }
        return string(key, null);
    }

    String string(String key, String fallback) {
        return own.hasPath(key) ? own.getString(key) : fallback;
    }

    String oneOf(String key, String fallback, Set<String> allowed) {
        String v = string(key, fallback);
        if (!allowed.contains(v)) {
            throw new SettingsException(key(key) + " must be one of " + new TreeSet<>(allowed) + ", got '" + v + "'");
        }
        return v;
    }

    int integer(String key, int fallback, int min) {
        int v = own.hasPath(key) ? own.getInt(key) : fallback;
        if (v < min) {
            throw new SettingsException(key(key) + " must be >= " + min + ", got " + v);
        }
        return v;
    }

    boolean bool(String key, boolean fallback) {
        return own.hasPath(key) ? own.getBoolean(key) : fallback;
    }

    double positive(String key, double fallback) {
        double v = own.hasPath(key) ? own.getDouble(key) : fallback;
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new SettingsException(key(key) + " must be > 0, got " + v);
        }
        return v;
    }

    /** Three per-channel values (mean or std), each finite; {@code positive} for std. */
    List<Double> channels(String key, List<Double> fallback, boolean positive) {
        List<Double> v = own.hasPath(key) ? own.getDoubleList(key) : fallback;
        if (v.size() != 3 || v.stream().anyMatch(x -> !Double.isFinite(x) || (positive && !(x > 0)))) {
            throw new SettingsException(key(key) + " must list 3 finite values" + (positive ? " > 0" : "")
                    + ", got " + v);
        }
        return List.copyOf(v);
    }
}
