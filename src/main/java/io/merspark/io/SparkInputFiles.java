package io.merspark.io;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Files this project hands to Spark's readers by name. Spark's file sources skip a file whose name starts with
 * {@code _} or {@code .} even when it is named explicitly (they take it for a job's metadata or a hidden file), so
 * such a manifest or truth CSV would be read as no rows at all: a night over an empty corpus, not an error.
 */
public final class SparkInputFiles {

    private SparkInputFiles() {
    }

    /** Why Spark would read {@code file} as empty because of its name; empty when it is read normally. */
    public static Optional<String> hiddenName(Path file) {
        Path name = file.getFileName();
        if (name != null && (name.toString().startsWith("_") || name.toString().startsWith("."))) {
            return Optional.of("a file name starting with '_' or '.' is hidden from Spark's readers, which would read"
                    + " no rows; rename it");
        }
        return Optional.empty();
    }
}
