package io.merspark.extract;

import java.util.Locale;

/** The input channels of a sample; {@link #key()} is the value of the features table's {@code modality} column. */
public enum Modality {
    VIDEO, AUDIO, TEXT;

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Modality of(String key) {
        try {
            return valueOf(key.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown modality '" + key + "' (expected video, audio or text)", e);
        }
    }
}
