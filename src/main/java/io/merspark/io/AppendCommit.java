package io.merspark.io;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Adds files to existing tables (and removes replaced ones) as one commit, without rewriting the tables: the new
 * files are written under {@code <root>/_append/<uuid>/}, a {@code _COMMIT} marker listing every rename and removal
 * is written there last (atomically, by rename), then the renames and removals are applied and the staging folder
 * is deleted. A job that dies before the marker leaves staging that the next {@link #recover} deletes (nothing
 * happened); one that dies after it is rolled forward by {@link #recover} (each step is idempotent). Readers never
 * see staging: it lies outside every table, under a name Spark skips. While the renames run, a concurrent reader
 * may see part of the commit; jobs of one root run one after the other (see the README).
 */
public final class AppendCommit {

    static final String DIR = "_append";
    static final String MARKER = "_COMMIT";

    /** One file moved from staging into a table. */
    public record Add(String from, String to) {
    }

    private final Configuration hadoop;
    private final Path stagingRoot;

    public AppendCommit(SparkSession spark, String root) {
        this.hadoop = spark.sparkContext().hadoopConfiguration();
        this.stagingRoot = new Path(root, DIR);
    }

    /** A fresh staging folder for one commit's files. */
    public String begin() {
        return new Path(stagingRoot, UUID.randomUUID().toString()).toString();
    }

    /**
     * The data files under {@code dir} (recursively: partition folders kept), each to go to the same relative path
     * under {@code table}. Spark's {@code _SUCCESS} and hidden checksum files are not data.
     */
    public List<Add> filesOf(String dir, String table) {
        List<Add> adds = new ArrayList<>();
        Path base = new Path(dir);
        try {
            FileSystem fs = base.getFileSystem(hadoop);
            if (!fs.exists(base)) {
                return adds;
            }
            String prefix = fs.makeQualified(base).toUri().getPath();
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(base, true);
            while (it.hasNext()) {
                Path p = it.next().getPath();
                String name = p.getName();
                if (name.startsWith("_") || name.startsWith(".")) {
                    continue;
                }
                String relative = fs.makeQualified(p).toUri().getPath().substring(prefix.length() + 1);
                adds.add(new Add(p.toString(), new Path(table, relative).toString()));
            }
            return adds;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the marker, applies it and deletes {@code staging}. An empty commit changes nothing. */
    public void commit(String staging, List<Add> adds, List<String> removes) {
        Path dir = new Path(staging);
        try {
            FileSystem fs = dir.getFileSystem(hadoop);
            if (adds.isEmpty() && removes.isEmpty()) {
                fs.delete(dir, true);
                return;
            }
            StringBuilder marker = new StringBuilder();
            adds.forEach(a -> marker.append("add\t").append(a.from()).append('\t').append(a.to()).append('\n'));
            removes.forEach(r -> marker.append("remove\t").append(r).append('\n'));
            fs.mkdirs(dir);
            Path tmp = new Path(dir, MARKER + ".tmp");
            try (OutputStream out = fs.create(tmp, true)) {
                out.write(marker.toString().getBytes(StandardCharsets.UTF_8));
            }
            if (!fs.rename(tmp, new Path(dir, MARKER))) {
                throw new IOException("cannot write the commit marker in " + dir);
            }
            apply(fs, dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Finishes or discards what a killed job left under {@code _append/}: a staging folder with a marker is applied,
     * one without is deleted. Returns how many commits were rolled forward.
     */
    public int recover() {
        try {
            FileSystem fs = stagingRoot.getFileSystem(hadoop);
            if (!fs.exists(stagingRoot)) {
                return 0;
            }
            int rolledForward = 0;
            for (var st : fs.listStatus(stagingRoot)) {
                if (fs.exists(new Path(st.getPath(), MARKER))) {
                    apply(fs, st.getPath());
                    rolledForward++;
                } else {
                    fs.delete(st.getPath(), true);
                }
            }
            fs.delete(stagingRoot, true);
            return rolledForward;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Adds first, then removals; a step already done (source gone, target there) is skipped. */
    private static void apply(FileSystem fs, Path dir) throws IOException {
        List<String> lines;
        try (InputStream in = fs.open(new Path(dir, MARKER))) {
            lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        for (String line : lines) {
            String[] f = line.split("\t");
            if (f[0].equals("add")) {
                Path from = new Path(f[1]);
                Path to = new Path(f[2]);
                if (fs.exists(from)) {
                    fs.mkdirs(to.getParent());
                    if (!fs.rename(from, to)) {
                        throw new IOException("cannot rename " + from + " to " + to);
                    }
                } else if (!fs.exists(to)) {
                    throw new IOException("commit " + dir + ": " + from + " is gone and " + to + " is not there");
                }
            }
        }
        for (String line : lines) {
            String[] f = line.split("\t");
            if (f[0].equals("remove")) {
                fs.delete(new Path(f[1]), false);
            }
        }
        fs.delete(dir, true);
    }
}
