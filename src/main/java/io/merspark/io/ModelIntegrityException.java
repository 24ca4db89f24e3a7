package io.merspark.io;

/** A model file whose SHA-256 is not the one it must have: it is not loaded (ONNX graphs and TorchScript are code). */
public final class ModelIntegrityException extends RuntimeException {

    public ModelIntegrityException(String message) {
        super(message);
    }

    /** The refusal for {@code file} whose digest is {@code actual} where {@code expected} was pinned by {@code by}. */
    public static ModelIntegrityException mismatch(String file, String by, String expected, String actual) {
        return new ModelIntegrityException("refusing to load " + file + ": SHA-256 is " + actual + " but " + by
                + " expects " + expected);
    }
}
