package io.merspark.config;

import java.io.Serializable;

/**
 * The SHA-256 a model file must have before it is loaded, and the config key that pinned it (named in the refusal).
 *
 * @param key    e.g. {@code mer.extract.video.encoder.model-sha256}
 * @param sha256 64 lowercase hex digits
 */
public record ModelPin(String key, String sha256) implements Serializable {
}
