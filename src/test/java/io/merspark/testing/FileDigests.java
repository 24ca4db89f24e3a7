package io.merspark.testing;

import io.merspark.io.Sha256;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** A folder's fingerprint for "nothing was touched" assertions. */
public final class FileDigests {

    private FileDigests() {
    }

    /** Every regular file under {@code root} (relative path) with its SHA-256, sorted by path. */
    public static Map<String, String> under(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                out.put(root.relativize(p).toString(), Sha256.of(p));
            }
        }
        return out;
    }
}
