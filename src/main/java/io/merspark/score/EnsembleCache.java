package io.merspark.score;

import io.merspark.train.FusionEnsemble;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One loaded ensemble per executor JVM, keyed by (model directory, device). Tasks receive only the
 * directory's URI; the weights are read here, once, so they are never serialized into a closure.
 * A directory on a distributed filesystem is first copied to local disk, since DJL loads local files.
 */
public final class EnsembleCache {

    private static final Map<String, FusionEnsemble> MODELS = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> MODELS.values().forEach(FusionEnsemble::close)));
    }

    private EnsembleCache() {
    }

    public static FusionEnsemble get(String modelDir, String device) {
        return MODELS.computeIfAbsent(modelDir + "|" + device, k -> {
            LOADS.incrementAndGet();
            return FusionEnsemble.load(localCopy(modelDir), device);
        });
    }

    /** Number of ensemble loads in this JVM (the executors' sum is reported by the scoring job). */
    public static int loads() {
        return LOADS.get();
    }

    /** Drops a cached ensemble, e.g. after a round's model directory was replaced. */
    public static void evict(String modelDir) {
        MODELS.entrySet().removeIf(e -> {
            if (e.getKey().startsWith(modelDir + "|")) {
                e.getValue().close();
                return true;
            }
            return false;
        });
    }

    private static java.nio.file.Path localCopy(String modelDir) {
        Path src = new Path(modelDir);
        String scheme = src.toUri().getScheme();
        if (scheme == null || scheme.equals("file")) {
            return java.nio.file.Paths.get(src.toUri().getPath());
        }
        try {
            java.nio.file.Path dst = Files.createTempDirectory("mer-ensemble-");
            FileSystem fs = src.getFileSystem(new Configuration());
            fs.copyToLocalFile(false, src, new Path(dst.toUri()), true);
            return dst.resolve(src.getName());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy model " + modelDir + " to local disk", e);
        }
    }
}
