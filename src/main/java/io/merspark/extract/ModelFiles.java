package io.merspark.extract;

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

    /** The first 12 hex digits of a file's sha256, to tell model versions apart in the features table. */
    public static String shortSha256(Path... files) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Path f : files) {
                sha.update(HexFormat.of().parseHex(DIGESTS.computeIfAbsent(f.toAbsolutePath(), ModelFiles::sha256)));
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) {
                sha.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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
