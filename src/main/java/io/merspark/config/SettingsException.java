package io.merspark.config;

/** A configuration problem found before any work starts; its message names the key or path. */
public class SettingsException extends RuntimeException {
    public SettingsException(String message) {
        super(message);
    }
}
