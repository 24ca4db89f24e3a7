package io.merspark.ingest;

import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

@ExtendWith(SparkTestSession.class)
class ManifestIngestTest {

    private static final List<String> CLASSES = List.of("neutral", "angry", "happy", "sad", "worried", "surprise");

    @Test
    void tinyManifestIsAcceptedWithAbsolutePaths(SparkSession spark) {
        ManifestIngest.Result r = new ManifestIngest(spark, CLASSES)
                .read(SparkTestSession.dataDir().resolve("tiny/manifest.csv"));
        IngestSummary s = r.summary();
        assertEquals(36, s.rowsIn());
        assertEquals(0, s.rejected());
        assertEquals(Map.of("test", 6L, "train", 18L, "unlabeled", 12L), s.acceptedPerSplit());
        for (Row row : r.accepted().collectAsList()) {
            String video = row.getAs("video");
            assertTrue(Files.isRegularFile(Path.of(video)), video);
            assertNull(row.getAs("audio"));
            assertNull(row.getAs("group"), "no group column in the CSV: null groups");
            if ("unlabeled".equals(row.getAs("split"))) {
                assertNull(row.getAs("label"));
            } else {
                assertTrue(CLASSES.contains((String) row.getAs("label")));
            }
        }
    }

    @Test
    void speakerSplitKeepsItsActorGroupsDisjoint(SparkSession spark) {
        ManifestIngest.Result r = new ManifestIngest(spark, CLASSES)
                .read(SparkTestSession.dataDir().resolve("speaker-split/manifest.csv"));
        assertEquals(0, r.summary().rejected());
        assertEquals(Map.of("test", 176L, "train", 264L, "unlabeled", 264L), r.summary().acceptedPerSplit());
        Map<String, java.util.Set<String>> splitsOfActor = new TreeMap<>();
        for (Row row : r.accepted().collectAsList()) {
            String group = row.getAs("group");
            assertNotNull(group);
            splitsOfActor.computeIfAbsent(group, g -> new java.util.TreeSet<>()).add(row.getAs("split"));
        }
        assertEquals(16, splitsOfActor.size());
        splitsOfActor.forEach((actor, splits) -> assertEquals(1, splits.size(), actor + " is in " + splits));
    }

    @Test
    void oracleSplitRevealsFivePoolActorsTrueLabelsAndKeepsTheTestSplit(SparkSession spark) throws IOException {
        Path split = SparkTestSession.dataDir().resolve("speaker-split");
        ManifestIngest.Result oracle = new ManifestIngest(spark, CLASSES).read(split.resolve("oracle/manifest.csv"));
        assertEquals(0, oracle.summary().rejected());
        assertEquals(Map.of("test", 176L, "train", 484L, "unlabeled", 44L), oracle.summary().acceptedPerSplit());
        Map<String, String> truth = new TreeMap<>();
        for (String line : Files.readAllLines(split.resolve("unlabeled_truth.csv")).subList(1, 265)) {
            String[] f = line.split(",");
            truth.put(f[0], f[1]);
        }
        Map<String, Row> before = new TreeMap<>();
        for (Row row : new ManifestIngest(spark, CLASSES).read(split.resolve("manifest.csv")).accepted().collectAsList()) {
            before.put(row.getAs("sample_id"), row);
        }
        for (Row row : oracle.accepted().collectAsList()) {
            Row was = before.get(row.<String>getAs("sample_id"));
            assertEquals(was.<String>getAs("group"), row.getAs("group"));
            if (!"unlabeled".equals(was.getAs("split"))) {
                assertEquals(was.<String>getAs("split"), row.getAs("split"));
                assertEquals(was.<String>getAs("label"), row.getAs("label"));
            } else if ("Actor_12".equals(row.getAs("group"))) {
                assertEquals("unlabeled", row.getAs("split"));
            } else {
                assertEquals("train", row.getAs("split"));
                assertEquals(truth.get(row.<String>getAs("sample_id")), row.getAs("label"));
            }
        }
    }

    @Test
    void rowProblemsGoToErrorsWithReasons(SparkSession spark, @TempDir Path dir) throws IOException {
        Path csv = dir.resolve("m.csv");
        Files.writeString(csv, String.join("\n",
                "sample_id,split,label,video,text",
                "a,train,happy,a.mp4,\"Hello, there\"",
                "b,dev,happy,b.mp4,unknown split",
                "c,train,bored,c.mp4,unknown label",
                "d,train,sad,d.mp4,first d",
                "d,test,sad,d2.mp4,second d",
                "e,test,,e.mp4,label missing",
                "f,unlabeled,,f.mp4,\"multi",
                "line, quoted\"",
                "g,train,happy,g.mp4,too,many,fields",
                "h,train,angry,,",
                "") + "\n");
        ManifestIngest.Result r = new ManifestIngest(spark, CLASSES).read(csv);
        Map<String, String> reasons = new TreeMap<>();
        for (Row row : r.rejected().collectAsList()) {
            reasons.merge(row.getString(0), row.getString(2), (x, y) -> x + " | " + y);
            assertEquals("all", row.getString(1));
        }
        assertEquals("unknown split 'dev'", reasons.get("b"));
        assertTrue(reasons.get("c").startsWith("unknown label 'bored'"), reasons.get("c"));
        assertEquals("duplicate sample_id (2 rows) | duplicate sample_id (2 rows)", reasons.get("d"));
        assertEquals("missing label for split test", reasons.get("e"));
        assertTrue(reasons.get("g").startsWith("malformed CSV row"), reasons.get("g"));
        assertEquals("no media: video, audio and text are all empty", reasons.get("h"));
        List<Row> ok = r.accepted().orderBy("sample_id").collectAsList();
        assertEquals(List.of("a", "f"), ok.stream().map(x -> x.getString(0)).toList());
        assertEquals("Hello, there", ok.get(0).getAs("text"));
        assertEquals(dir.resolve("a.mp4").toString(), ok.get(0).getAs("video"));
        assertEquals("multi\nline, quoted", ok.get(1).getAs("text"));
        IngestSummary s = r.summary();
        assertEquals(9, s.rowsIn());
        assertTrue(s.addsUp());
    }

    @Test
    void fileProblemsStopBeforeAnyWork(SparkSession spark, @TempDir Path dir) throws IOException {
        ManifestIngest ingest = new ManifestIngest(spark, CLASSES);
        ManifestException missing = assertThrows(ManifestException.class, () -> ingest.read(dir.resolve("nope.csv")));
        assertTrue(missing.getMessage().contains("manifest not found"));

        Path noSplit = dir.resolve("nosplit.csv");
        Files.writeString(noSplit, "sample_id,label,video\na,happy,a.mp4\n");
        ManifestException e = assertThrows(ManifestException.class, () -> ingest.read(noSplit));
        assertTrue(e.getMessage().contains("[split]"), e.getMessage());

        Path extra = dir.resolve("extra.csv");
        Files.writeString(extra, "sample_id,split,label,video,speaker\na,train,happy,a.mp4,x\n");
        ManifestException u = assertThrows(ManifestException.class, () -> ingest.read(extra));
        assertTrue(u.getMessage().contains("[speaker]"), u.getMessage());

        // Spark skips a file named _x or .x even when told its name: 0 rows, not an error, without this check
        Path hidden = dir.resolve("_tonight.csv");
        Files.writeString(hidden, "sample_id,split,label,video\na,train,happy,a.mp4\n");
        ManifestException h = assertThrows(ManifestException.class, () -> ingest.read(hidden));
        assertTrue(h.getMessage().contains("starting with '_' or '.'"), h.getMessage());
    }
}
