package io.merspark.io;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Hadoop-filesystem operations with commit semantics: every output is written under a temporary
 * sibling and renamed into place at the end, so readers never see half a table and a rerun of a
 * failed job starts clean.
 */
public final class Storage {

    private final Configuration hadoop;

    public Storage(SparkSession spark) {
        this.hadoop = spark.sparkContext().hadoopConfiguration();
    }

    /**
     * Fails fast, before any work, when the output root cannot take output: it cannot be created, a probe file
     * cannot be written and deleted there, or its filesystem has less than {@code minFreeBytes} free. A job that
     * found this out in the middle of a commit would leave its temporary sibling behind and the previous outputs
     * untouched, but only after hours of work.
     */
    public void requireWritable(String root, long minFreeBytes) {
        Path dir = new Path(root);
        Path probe = new Path(dir, "_write_probe_" + UUID.randomUUID());
        try {
            FileSystem fs = dir.getFileSystem(hadoop);
            if (!fs.mkdirs(dir)) {
                throw new StorageException("output root " + root + " cannot be created");
            }
            try (OutputStream out = fs.create(probe, false)) {
                out.write('x');
            }
            fs.delete(probe, false);
            long free = fs.getStatus(dir).getRemaining();
            if (minFreeBytes > 0 && free < minFreeBytes) {
                throw new StorageException(String.format(java.util.Locale.ROOT,
                        "output root %s has %d MiB free, less than mer.storage.min-free-mb = %d", root,
                        free >> 20, minFreeBytes >> 20));
            }
        } catch (IOException e) {
            throw new StorageException("output root " + root + " is not writable: " + e.getMessage());
        }
    }

    public boolean exists(String path) {
        try {
            Path p = new Path(path);
            return p.getFileSystem(hadoop).exists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code df} as Parquet to {@code target}, replacing it atomically (per directory rename). */
    public void commitParquet(Dataset<Row> df, String target, String... partitionBy) {
        commit(target, tmp -> {
            var w = df.write().mode(SaveMode.Overwrite);
            if (partitionBy.length > 0) {
                w = w.partitionBy(partitionBy);
            }
            w.parquet(tmp);
        });
    }

    /**
     * Runs {@code writer} against a temporary path and renames the result onto {@code target}. The previous table is
     * renamed aside first and deleted only once the new one is in place, so a job killed during the commit loses at
     * most the two renames' window, never the time a recursive delete of a large table takes.
     */
    public void commit(String target, Consumer<String> writer) {
        Path dst = new Path(target);
        Path tmp = new Path(dst.getParent(), tmpPrefix(dst) + UUID.randomUUID());
        Path old = new Path(dst.getParent(), oldPrefix(dst) + UUID.randomUUID());
        try {
            FileSystem fs = dst.getFileSystem(hadoop);
            fs.mkdirs(dst.getParent());
            deleteStaleAttempts(fs, dst);
            writer.accept(tmp.toString());
            boolean replacing = fs.exists(dst);
            if (replacing && !fs.rename(dst, old)) {
                throw new IOException("cannot move " + dst + " aside to replace it");
            }
            if (!fs.rename(tmp, dst)) {
                if (replacing) {
                    fs.rename(old, dst);
                }
                throw new IOException("cannot rename " + tmp + " to " + dst);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(tmp);
            deleteQuietly(old);
        }
    }

    /**
     * A job killed in the middle of a commit (SIGKILL, a lost driver) leaves its temporary sibling behind, or
     * between the swap's two renames the replaced table. Readers never see them (Spark skips names starting with
     * {@code _}); the next commit of the same target removes them. Only {@code _tmp_<name>_<uuid>} and
     * {@code _old_<name>_<uuid>} exactly: the attempts of a sibling target whose name extends this one's
     * ({@code a} and {@code a_b}) are not this target's.
     */
    private static void deleteStaleAttempts(FileSystem fs, Path dst) throws IOException {
        List<String> prefixes = List.of(tmpPrefix(dst), oldPrefix(dst));
        for (org.apache.hadoop.fs.FileStatus st : fs.listStatus(dst.getParent())) {
            String name = st.getPath().getName();
            for (String prefix : prefixes) {
                if (name.startsWith(prefix) && isUuid(name.substring(prefix.length()))) {
                    fs.delete(st.getPath(), true);
                }
            }
        }
    }

    /**
     * {@code _tmp_<name>_}, with {@code =} in the name replaced: Spark's partition discovery skips a {@code _} name
     * only if it has no {@code =}, so a leftover {@code _tmp_modality=text_…} inside {@code features/} would break
     * every read of the features table with conflicting partition column names.
     */
    static String tmpPrefix(Path dst) {
        return "_tmp_" + dst.getName().replace('=', '-') + "_";
    }

    /** {@code _old_<name>_}: the replaced table between the swap and its deletion (named as {@link #tmpPrefix}). */
    static String oldPrefix(Path dst) {
        return "_old_" + dst.getName().replace('=', '-') + "_";
    }

    private static boolean isUuid(String s) {
        try {
            return s.length() == 36 && UUID.fromString(s).toString().equals(s);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Commits a directory that a local-only writer (DJL saving weights, a JSON writer) fills: the writer
     * gets a local temporary folder, which is then copied to the target filesystem and renamed into place.
     */
    public void commitLocalDir(String target, java.util.function.Consumer<java.nio.file.Path> writer) {
        commit(target, tmp -> {
            java.nio.file.Path local = null;
            try {
                local = java.nio.file.Files.createTempDirectory("mer-commit-");
                writer.accept(local);
                Path dst = new Path(tmp);
                dst.getFileSystem(hadoop).copyFromLocalFile(false, true, new Path(local.toUri()), dst);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                if (local != null) {
                    org.apache.commons.io.FileUtils.deleteQuietly(local.toFile());
                }
            }
        });
    }

    public void writeText(String target, String text) {
        commit(target, tmp -> {
            try (OutputStream out = new Path(tmp).getFileSystem(hadoop).create(new Path(tmp), true)) {
                out.write(text.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    public String readText(String path) {
        Path p = new Path(path);
        try (InputStream in = p.getFileSystem(hadoop).open(p)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A digest of what lies under {@code paths}: every file's path below its root, length and modification time
     * (no content is read). Equal digests mean no file was added, removed, replaced or rewritten since: every commit
     * here writes new files and renames them into place.
     */
    public String fingerprint(String... paths) {
        List<String> lines = new java.util.ArrayList<>();
        try {
            for (String root : paths) {
                Path dir = new Path(root);
                FileSystem fs = dir.getFileSystem(hadoop);
                if (!fs.exists(dir)) {
                    lines.add(root + "\tabsent");
                    continue;
                }
                String prefix = fs.makeQualified(dir).toString();
                org.apache.hadoop.fs.RemoteIterator<org.apache.hadoop.fs.LocatedFileStatus> files = fs.listFiles(dir, true);
                while (files.hasNext()) {
                    org.apache.hadoop.fs.LocatedFileStatus f = files.next();
                    lines.add(root + "\t" + f.getPath().toString().substring(prefix.length()) + "\t" + f.getLen()
                            + "\t" + f.getModificationTime());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        java.util.Collections.sort(lines);
        return Sha256.of(String.join("\n", lines).getBytes(StandardCharsets.UTF_8));
    }

    public void delete(String path) {
        deleteQuietly(new Path(path));
    }

    private void deleteQuietly(Path p) {
        try {
            FileSystem fs = p.getFileSystem(hadoop);
            if (fs.exists(p)) {
                fs.delete(p, true);
            }
        } catch (IOException ignored) {
            // best effort: a leftover _tmp_ directory is harmless and removed by the next commit
        }
    }
}
