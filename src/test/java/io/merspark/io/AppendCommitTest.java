package io.merspark.io;

import io.merspark.testing.FileDigests;
import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The file-level commit of extract --only-new: all of it or none of it, also across a killed job. */
@ExtendWith(SparkTestSession.class)
class AppendCommitTest {

    @TempDir
    Path root;

    @Test
    void commitMovesStagedFilesInAndRemovesReplacedOnes(SparkSession spark) throws Exception {
        Path table = Files.createDirectories(root.resolve("features/modality=text"));
        Files.writeString(table.resolve("part-old.parquet"), "old");
        Files.writeString(table.resolve("part-replaced.parquet"), "replaced");
        AppendCommit append = new AppendCommit(spark, root.toString());
        Path staging = Path.of(append.begin());
        Files.createDirectories(staging.resolve("f/modality=text"));
        Files.createDirectories(staging.resolve("f/modality=video"));
        Files.writeString(staging.resolve("f/modality=text/part-new.parquet"), "new text");
        Files.writeString(staging.resolve("f/modality=video/part-new.parquet"), "new video");
        Files.writeString(staging.resolve("f/_SUCCESS"), "");

        List<AppendCommit.Add> adds = append.filesOf(staging.resolve("f").toString(), root.resolve("features").toString());
        assertEquals(2, adds.size(), adds.toString());
        append.commit(staging.toString(), adds, List.of(table.resolve("part-replaced.parquet").toString()));

        assertEquals(Map.of("modality=text/part-old.parquet", Sha256.of("old".getBytes()),
                        "modality=text/part-new.parquet", Sha256.of("new text".getBytes()),
                        "modality=video/part-new.parquet", Sha256.of("new video".getBytes())),
                withoutChecksums(FileDigests.under(root.resolve("features"))));
        assertFalse(Files.exists(root.resolve(AppendCommit.DIR).resolve(staging.getFileName())));
    }

    @Test
    void recoverRollsAMarkedCommitForwardAndDiscardsAnUnmarkedOne(SparkSession spark) throws Exception {
        Path table = Files.createDirectories(root.resolve("errors/stage=extract"));
        Files.writeString(table.resolve("part-replaced.parquet"), "replaced");
        Path marked = Files.createDirectories(root.resolve(AppendCommit.DIR + "/a"));
        Files.writeString(marked.resolve("part-new.parquet"), "new");
        // killed after the marker, after the first of its two steps: the add is done, the removal is not
        Files.writeString(table.resolve("part-done.parquet"), "done");
        Files.writeString(marked.resolve(AppendCommit.MARKER),
                "add\t" + root.resolve(AppendCommit.DIR + "/a/part-done.parquet") + "\t" + table.resolve("part-done.parquet") + "\n"
                        + "add\t" + marked.resolve("part-new.parquet") + "\t" + table.resolve("part-new.parquet") + "\n"
                        + "remove\t" + table.resolve("part-replaced.parquet") + "\n");
        Path unmarked = Files.createDirectories(root.resolve(AppendCommit.DIR + "/b"));
        Files.writeString(unmarked.resolve("part-half.parquet"), "half");

        assertEquals(1, new AppendCommit(spark, root.toString()).recover());

        assertEquals(Map.of("part-done.parquet", Sha256.of("done".getBytes()),
                        "part-new.parquet", Sha256.of("new".getBytes())),
                withoutChecksums(FileDigests.under(table)));
        assertFalse(Files.exists(root.resolve(AppendCommit.DIR)));
        assertEquals(0, new AppendCommit(spark, root.toString()).recover());
    }

    @Test
    void anEmptyCommitWritesNothing(SparkSession spark) throws Exception {
        AppendCommit append = new AppendCommit(spark, root.toString());
        Path staging = Path.of(append.begin());
        Files.createDirectories(staging);
        append.commit(staging.toString(), List.of(), List.of());
        assertEquals(Map.of(), FileDigests.under(root));
    }

    private static Map<String, String> withoutChecksums(Map<String, String> files) {
        files.keySet().removeIf(k -> Path.of(k).getFileName().toString().startsWith("."));
        return files;
    }
}
