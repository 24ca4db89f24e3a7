package io.merspark.io;

import io.merspark.testing.FileDigests;
import io.merspark.testing.SparkTestSession;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What a failed or killed write leaves behind, and the refusal of an output root that cannot take output. The
 * slow end-to-end versions (a killed driver, the CLI's exit code 4) are in {@code RerunTest}.
 */
@ExtendWith(SparkTestSession.class)
class StorageTest {

    @TempDir
    Path dir;

    private SparkSession spark;
    private Storage storage;

    @BeforeEach
    void setUp(SparkSession spark) {
        this.spark = spark;
        this.storage = new Storage(spark);
    }

    @Test
    void aJobThatFailsHalfwayThroughItsWriteLeavesThePreviousTableIntact() throws IOException {
        String target = dir.resolve("scores").toString();
        storage.commitParquet(ids(0), target);
        Map<String, String> before = FileDigests.under(Path.of(target));

        // four tasks write their part files; the one that reaches id 77 fails, and with it the job
        Dataset<Row> failing = spark.range(0, 100, 1, 4)
                .map((MapFunction<Long, Long>) id -> {
                    if (id == 77) {
                        throw new IllegalStateException("disk gone at id 77");
                    }
                    return id + 1000;
                }, Encoders.LONG()).toDF("id");
        Exception e = assertThrows(Exception.class, () -> storage.commitParquet(failing, target));
        assertTrue(chain(e).contains("disk gone at id 77"), chain(e));

        assertEquals(before, FileDigests.under(Path.of(target)), "the committed table is byte for byte the same");
        assertEquals(100, spark.read().parquet(target).where("id < 100").count());
        assertEquals(List.of("scores"), names(dir), "the failed attempt's temporary sibling is removed");
    }

    @Test
    void aWriterThatThrowsAfterWritingPartOfItsOutputLeavesThePreviousTextIntact() {
        String target = dir.resolve("metrics.json").toString();
        storage.writeText(target, "{\"round\":1}");
        assertThrows(IllegalStateException.class, () -> storage.commit(target, tmp -> {
            storage.writeText(tmp, "{\"rou"); // half a file where the new one was going
            throw new IllegalStateException("killed while writing");
        }));
        assertEquals("{\"round\":1}", storage.readText(target));
        assertEquals(List.of("metrics.json"), names(dir));
    }

    @Test
    void aKilledCommitsLeftoverIsInvisibleToReadersAndRemovedByTheNextCommitOfItsTarget() {
        String target = dir.resolve("pseudo").toString();
        storage.commitParquet(ids(0), target);
        // what SIGKILL in the middle of a commit leaves: a temporary sibling with part of the new table
        String stale = staleAttempt(dir.resolve("pseudo"));
        ids(500).write().parquet(stale);
        // ... or, killed between the swap's two renames, the replaced table moved aside
        String replaced = dir.resolve(Storage.oldPrefix(new org.apache.hadoop.fs.Path(target)) + UUID.randomUUID())
                .toString();
        ids(700).write().parquet(replaced);
        // a sibling target whose name extends this one's, with an attempt of its own
        String other = staleAttempt(dir.resolve("pseudo_old"));
        ids(900).write().parquet(other);

        assertEquals(0L, spark.read().parquet(target).agg(org.apache.spark.sql.functions.min("id")).first().getLong(0));
        // the leftover of a partition directory's commit (import-features into features/modality=text) is skipped
        // by partition discovery too: reading the parent sees neither a partition b nor a conflict
        storage.commitParquet(ids(0), dir.resolve("t/modality=a").toString());
        ids(500).write().parquet(staleAttempt(dir.resolve("t/modality=b")));
        assertEquals(List.of("a"), spark.read().parquet(dir.resolve("t").toString())
                .select("modality").distinct().as(Encoders.STRING()).collectAsList());

        storage.commitParquet(ids(200), target);
        assertEquals(200L, spark.read().parquet(target).agg(org.apache.spark.sql.functions.min("id")).first().getLong(0));
        assertFalse(Files.exists(Path.of(stale)), "the stale attempt is removed");
        assertFalse(Files.exists(Path.of(replaced)), "the table moved aside is removed");
        assertTrue(names(dir).stream().noneMatch(n -> n.startsWith("_old_")),
                "the replaced table is deleted: " + names(dir));
        assertTrue(Files.exists(Path.of(other)), "another target's attempt is not this target's");
    }

    @Test
    void aRootUnderARegularFileIsRefusedNamingItAndNothingIsCreated() throws IOException {
        Path file = Files.writeString(dir.resolve("a-file"), "not a directory");
        String root = file.resolve("root").toString();
        StorageException e = assertThrows(StorageException.class, () -> storage.requireWritable(root, 0));
        assertTrue(e.getMessage().startsWith("output root " + root + " "), e.getMessage());
        assertEquals("not a directory", Files.readString(file));
    }

    @Test
    void aRootOnAFilesystemThatTakesNoFilesIsRefused() {
        // /proc takes no new directories, not even from root
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs Linux /proc");
        String root = "/proc/mer-spark-" + UUID.randomUUID() + "/out";
        StorageException e = assertThrows(StorageException.class, () -> storage.requireWritable(root, 0));
        assertTrue(e.getMessage().startsWith("output root " + root + " "), e.getMessage());
    }

    @Test
    void aReadOnlyRootIsRefusedAndItsCompleteTablesStayIntact() throws IOException {
        Path root = dir.resolve("root");
        storage.commitParquet(ids(0), root.resolve("manifest").toString());
        Map<String, String> before = FileDigests.under(root);
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            Assumptions.assumeFalse(canWriteIn(root),
                    "permissions are not enforced for this user (root): see aRootUnderARegularFile… and /proc");
            StorageException e = assertThrows(StorageException.class,
                    () -> storage.requireWritable(root.toString(), 0));
            assertTrue(e.getMessage().startsWith("output root " + root + " is not writable"), e.getMessage());
            assertEquals(before, FileDigests.under(root));
        } finally {
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void tooLittleFreeSpaceIsRefusedAndTheProbeLeavesNothingBehind() {
        String root = dir.resolve("root").toString();
        long free = dir.toFile().getUsableSpace();
        StorageException e = assertThrows(StorageException.class,
                () -> storage.requireWritable(root, free + (1L << 40)));
        assertTrue(e.getMessage().startsWith("output root " + root + " has ")
                && e.getMessage().contains("MiB free, less than mer.storage.min-free-mb"), e.getMessage());

        storage.requireWritable(root, 1L << 20);
        assertEquals(List.of(), names(Path.of(root)), "the probe file is deleted");
    }

    private static String staleAttempt(Path target) {
        String name = Storage.tmpPrefix(new org.apache.hadoop.fs.Path(target.toString())) + UUID.randomUUID();
        assertTrue(name.startsWith("_tmp_"), name);
        return target.resolveSibling(name).toString();
    }

    private Dataset<Row> ids(long from) {
        return spark.range(from, from + 100, 1, 4).toDF("id");
    }

    private static boolean canWriteIn(Path d) {
        try {
            Files.delete(Files.createTempFile(d, "_write_probe_", ""));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The names in a directory, checksum files of the local Hadoop filesystem left out. */
    private static List<String> names(Path d) {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".crc")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String chain(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getMessage()).append(" | ");
        }
        return sb.toString();
    }
}
