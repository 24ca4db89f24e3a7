package io.merspark.ingest;

/** A manifest that cannot be read at all (missing file, missing required column, unknown column). */
public class ManifestException extends RuntimeException {
    public ManifestException(String message) {
        super(message);
    }
}
