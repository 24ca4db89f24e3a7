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
 * and the tokenizer need real files, so a classpath resource is copied once per host and model version
 * ({@link #extract}) and resolved once per JVM.
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

    /**
     * Copies a classpath resource to {@code <java.io.tmpdir>/mer-spark-models/<sha256>/<name>}: named by its content,
     * so every JVM on a host (each executor of each run) shares one copy per model version instead of leaving a new
     * temp directory behind whenever a process is killed before its exit hooks run (an executor at the end of an
     * application, a failed task's JVM). A file already there is used only if its bytes hash to the name; anything
     * else there is replaced by an atomic move of a complete copy, so a reader never sees half a file.
     */
    private static Path extract(String resource) {
        return extract(resource, Paths.get(System.getProperty("java.io.tmpdir"), "mer-spark-models"));
    }

    /** As {@link #extract(String)}, under {@code root} instead of the temp directory's {@code mer-spark-models}. */
    static Path extract(String resource, Path root) {
        String name = resource.startsWith("/") ? resource.substring(1) : resource;
        byte[] bytes;
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalArgumentException("model resource not on the classpath: " + resource);
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model resource " + resource, e);
        }
        String sha = Sha256.of(bytes);
        Path dir = root.resolve(sha);
        Path file = dir.resolve(Paths.get(name).getFileName().toString());
        try {
            if (Files.isRegularFile(file) && Sha256.of(file).equals(sha)) {
                DIGESTS.put(file.toAbsolutePath(), sha);
                return file;
            }
            Files.createDirectories(dir);
            Path part = Files.createTempFile(dir, file.getFileName().toString(), ".part");
            try {
                Files.write(part, bytes);
                Files.move(part, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(part);
            }
            DIGESTS.put(file.toAbsolutePath(), sha);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract model resource " + resource + " to " + dir, e);
        }
    }
}
