package io.merspark.extract;

import io.merspark.config.ModelPin;
import io.merspark.io.ModelIntegrityException;
import io.merspark.io.Sha256;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Model locations: a filesystem path, or {@code classpath:<resource>} for files shipped inside a jar. ONNX Runtime
 * and the tokenizer need real files, so a classpath resource is copied to a temp file once per JVM.
 */
public final class ModelFiles {

    public static final String CLASSPATH = "classpath:";

    private static final Map<String, Path> EXTRACTED = new ConcurrentHashMap<>();
    private static final Map<Path, String> DIGESTS = new ConcurrentHashMap<>();

    private ModelFiles() {
    }

    /** The local file for a model location. */
    public static Path resolve(String location) {
        if (location.startsWith(CLASSPATH)) {
            return EXTRACTED.computeIfAbsent(location.substring(CLASSPATH.length()), ModelFiles::extract);
        }
        Path path = Paths.get(location);
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("model file not found: " + location);
        }
        return path;
    }

    /**
     * The local file for a model location, refused unless its SHA-256 is the pinned one ({@code pin} null: not
     * pinned). Checked where the model is loaded, i.e. on each executor: the driver checked its own copy at start-up,
     * but an executor may see another file (a different archive, a node-local path).
     */
    public static Path resolve(String location, ModelPin pin) {
        Path file = resolve(location);
        if (pin != null) {
            // hashed afresh, not from the digest cache: a file swapped since it was first hashed must be caught
            String actual = Sha256.of(file);
            if (!actual.equals(pin.sha256())) {
                throw ModelIntegrityException.mismatch(location, pin.key(), pin.sha256(), actual);
            }
            // the encoder's id (shortSha256) then names the verified bytes without hashing the file again
            DIGESTS.put(file.toAbsolutePath(), actual);
        }
        return file;
    }

    /** The first 12 hex digits of a file's sha256, to tell model versions apart in the features table. */
    public static String shortSha256(Path... files) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Path f : files) {
                sha.update(HexFormat.of().parseHex(DIGESTS.computeIfAbsent(f.toAbsolutePath(), Sha256::of)));
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path extract(String resource) {
        String name = resource.startsWith("/") ? resource.substring(1) : resource;
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalArgumentException("model resource not on the classpath: " + resource);
            }
            Path dir = Files.createTempDirectory("mer-spark-model");
            Path file = dir.resolve(Paths.get(name).getFileName());
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            file.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract model resource " + resource, e);
        }
    }
}
