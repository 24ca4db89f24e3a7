package io.merspark.score;

import io.merspark.train.FusionEnsemble;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One loaded ensemble per executor JVM, keyed by (model directory, the directory's ensemble.json version, device).
 * Tasks receive only the directory's URI; the weights are read here, once, so they are never serialized into a
 * closure. A directory on a distributed filesystem is first copied to local disk, since DJL loads local files.
 * <p>
 * Only the ensemble the tasks now ask for stays: acquiring one of another directory, or of a retrained one (a newer
 * ensemble.json), retires every other entry, so an executor that scores round after round holds one round's
 * weights, not all of them. A retired ensemble is closed, and its local copy deleted, when its last task lets go
 * of it; {@link #evict} does the same on the driver.
 */
public final class EnsembleCache {

    private static final Map<String, Entry> MODELS = new HashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(EnsembleCache::clear));
    }

    private EnsembleCache() {
    }

    /** A task's use of a cached ensemble; closing it lets a retired ensemble be freed. */
    public static final class Lease implements AutoCloseable {
        private final Entry entry;
        private boolean closed;

        private Lease(Entry entry) {
            this.entry = entry;
        }

        public FusionEnsemble ensemble() {
            return entry.model;
        }

        @Override
        public void close() {
            synchronized (EnsembleCache.class) {
                if (!closed) {
                    closed = true;
                    entry.users--;
                    entry.freeIfUnused();
                }
            }
        }
    }

    private static final class Entry {
        final String key;
        final FusionEnsemble model;
        /** The local copy of a remote directory, deleted with the entry; null for a local directory. */
        final java.nio.file.Path copy;
        int users;
        boolean retired;

        Entry(String key, FusionEnsemble model, java.nio.file.Path copy) {
            this.key = key;
            this.model = model;
            this.copy = copy;
        }

        void freeIfUnused() {
            if (retired && users == 0) {
                model.close();
                if (copy != null) {
                    org.apache.commons.io.FileUtils.deleteQuietly(copy.toFile());
                }
            }
        }
    }

    /** The ensemble of {@code modelDir}, loaded on first use; the caller closes the lease when done scoring. */
    public static Lease acquire(String modelDir, String device) {
        String key = modelDir + "|" + version(modelDir) + "|" + device;
        synchronized (EnsembleCache.class) {
            Entry entry = MODELS.get(key);
            if (entry == null) {
                retireAllBut(null);
                java.nio.file.Path copy = remoteCopy(modelDir);
                FusionEnsemble model;
                try {
                    model = FusionEnsemble.load(copy != null ? copy.resolve(new Path(modelDir).getName())
                            : java.nio.file.Paths.get(new Path(modelDir).toUri().getPath()), device);
                } catch (RuntimeException e) {
                    if (copy != null) {
                        org.apache.commons.io.FileUtils.deleteQuietly(copy.toFile());
                    }
                    throw e;
                }
                LOADS.incrementAndGet();
                entry = new Entry(key, model, copy);
                MODELS.put(key, entry);
            }
            entry.users++;
            return new Lease(entry);
        }
    }

    /** Number of ensemble loads in this JVM (the executors' sum is reported by the scoring job). */
    public static int loads() {
        return LOADS.get();
    }

    /** The model directories whose ensembles this JVM holds now. */
    public static synchronized Set<String> cached() {
        Set<String> dirs = new TreeSet<>();
        MODELS.keySet().forEach(k -> dirs.add(k.substring(0, k.indexOf('|'))));
        return dirs;
    }

    /** Drops a cached ensemble, e.g. after a round's model directory was replaced. */
    public static synchronized void evict(String modelDir) {
        String qualified = location(modelDir, new Configuration());
        retire(e -> e.key.startsWith(modelDir + "|") || e.key.startsWith(qualified + "|"));
    }

    /**
     * Where executors find {@code modelDir}, resolved on the driver: a path without a scheme is qualified against the
     * driver's default filesystem and working directory ({@code rounds/…} → {@code file:/work/…/rounds/…}, or the
     * cluster's HDFS home), since an executor runs in a working directory of its own and may default to another
     * filesystem. A path with a scheme is taken as it is.
     */
    public static String location(String modelDir, Configuration conf) {
        Path path = new Path(modelDir);
        if (path.toUri().getScheme() != null) {
            return modelDir;
        }
        try {
            return path.getFileSystem(conf).makeQualified(path).toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve model directory " + modelDir, e);
        }
    }

    private static synchronized void clear() {
        retire(e -> true);
    }

    private static void retireAllBut(String key) {
        retire(e -> !e.key.equals(key));
    }

    private static void retire(java.util.function.Predicate<Entry> which) {
        for (Iterator<Entry> it = MODELS.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (which.test(e)) {
                it.remove();
                e.retired = true;
                e.freeIfUnused();
            }
        }
    }

    /** The ensemble.json modification time: a retrained round in the same directory is a new entry. */
    private static long version(String modelDir) {
        Path manifest = new Path(modelDir, FusionEnsemble.MANIFEST_FILE);
        try {
            return manifest.getFileSystem(new Configuration()).getFileStatus(manifest).getModificationTime();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + manifest, e);
        }
    }

    /** A local copy of a directory on a distributed filesystem (its parent temp folder), or null for a local one. */
    private static java.nio.file.Path remoteCopy(String modelDir) {
        Path src = new Path(modelDir);
        String scheme = src.toUri().getScheme();
        if (scheme == null || scheme.equals("file")) {
            return null;
        }
        java.nio.file.Path dst = null;
        try {
            dst = Files.createTempDirectory("mer-ensemble-");
            FileSystem fs = src.getFileSystem(new Configuration());
            fs.copyToLocalFile(false, src, new Path(dst.toUri()), true);
            return dst;
        } catch (IOException e) {
            if (dst != null) {
                org.apache.commons.io.FileUtils.deleteQuietly(dst.toFile());
            }
            throw new UncheckedIOException("cannot copy model " + modelDir + " to local disk", e);
        }
    }
}
