package io.merspark.features;

import io.merspark.io.Storage;
import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The group sums ledger: a first pass takes every counted row; appended clips are added by decoding only their files;
 * a group changed, a clip removed from the manifest and a clip moved to another split are taken out of the sums they
 * were in; each update's statistics equal those of a fresh pass over the same table and manifest.
 */
@ExtendWith(SparkTestSession.class)
class GroupSumsLedgerTest {

    private static final StructType FEATURES = new StructType()
            .add("sample_id", DataTypes.StringType, false)
            .add("modality", DataTypes.StringType, false)
            .add("split", DataTypes.StringType, false)
            .add("pooled", DataTypes.createArrayType(DataTypes.FloatType, false), true)
            .add("tokens", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.FloatType, false), false), true);
    private static final StructType MANIFEST = new StructType()
            .add("sample_id", DataTypes.StringType, false)
            .add("split", DataTypes.StringType, false)
            .add("group", DataTypes.StringType, true);
    private static final List<String> MODALITIES = List.of("audio", "text");

    @Test
    void appendedClipsAreAddedFromTheirOwnFilesAndEqualAFreshPass(SparkSession spark, @TempDir Path dir) {
        String features = dir.resolve("features").toString();
        List<Row> manifest = new ArrayList<>();
        Random rnd = new Random(7);
        writeFeatures(spark, features, clips(rnd, "c", 30, manifest), SaveMode.Overwrite);
        GroupSumsLedger ledger = ledger(spark, dir, "group-sums");

        GroupSumsLedger.Update first = ledger.update(manifest(spark, manifest), MODALITIES, true);
        assertEquals(GroupSumsLedger.Mode.FULL, first.mode());
        assertEquals(60, first.rows());
        assertStatisticsEqual(fresh(spark, dir, features, manifest, true), first);
        // the ledger's statistics are those the round computed before the ledger existed
        assertStatisticsEqual(GroupNormalization.statistics(spark.read().parquet(features),
                manifest(spark, manifest), true), first);

        Set<String> before = files(features);
        writeFeatures(spark, features, clips(rnd, "new", 6, manifest), SaveMode.Append);
        Set<String> appended = new TreeSet<>(files(features));
        appended.removeAll(before);
        GroupSumsLedger.Update next = ledger.update(manifest(spark, manifest), MODALITIES, true);
        assertEquals(GroupSumsLedger.Mode.INCREMENTAL, next.mode());
        assertEquals(12, next.added(), "6 clips × 2 modalities");
        assertEquals(0, next.removed());
        assertEquals(72, next.rows());
        assertEquals(appended, names(next.decoded()), "only the appended files are decoded");
        assertStatisticsEqual(fresh(spark, dir, features, manifest, true), next);
        // the appended files' keys are added beside the first pass's; the first generation's sums and digests go
        assertEquals(Set.of("_STATE", "keys-1", "keys-2", "sums-2", "files-2"), children(dir.resolve("group-sums")));

        GroupSumsLedger.Update again = ledger.update(manifest(spark, manifest), MODALITIES, true);
        assertEquals(GroupSumsLedger.Mode.UNCHANGED, again.mode());
        assertEquals(List.of(), again.decoded());
        assertStatisticsEqual(fresh(spark, dir, features, manifest, true), again);
    }

    @Test
    void aChangedGroupARemovedClipAndAMovedClipLeaveTheSumsTheyWereIn(SparkSession spark, @TempDir Path dir) {
        String features = dir.resolve("features").toString();
        List<Row> manifest = new ArrayList<>();
        Random rnd = new Random(11);
        List<Row> rows = clips(rnd, "c", 24, manifest);
        writeFeatures(spark, features, rows, SaveMode.Overwrite);
        GroupSumsLedger ledger = ledger(spark, dir, "group-sums");
        ledger.update(manifest(spark, manifest), MODALITIES, true);

        // c1 changes group; c0 leaves the manifest; c2 (unlabeled) is labelled into train: its features are copied
        // into the train partition (a new file) and the pool copy stays where it was
        Row c1 = find(manifest, "c1");
        String newGroup = "g0".equals(c1.getString(2)) ? "g1" : "g0";
        manifest.set(manifest.indexOf(c1), RowFactory.create("c1", c1.getString(1), newGroup));
        manifest.remove(find(manifest, "c0"));
        Row c2 = find(manifest, "c2");
        assertEquals("unlabeled", c2.getString(1));
        manifest.set(manifest.indexOf(c2), RowFactory.create("c2", "train", c2.getString(2)));
        List<Row> moved = rows.stream().filter(r -> r.getString(0).equals("c2"))
                .map(r -> RowFactory.create("c2", r.getString(1), "train", r.get(3), r.get(4))).toList();
        writeFeatures(spark, features, moved, SaveMode.Append);

        GroupSumsLedger.Update update = ledger.update(manifest(spark, manifest), MODALITIES, true);
        assertEquals(GroupSumsLedger.Mode.INCREMENTAL, update.mode());
        assertEquals(4, update.added(), "c1 under its new group, c2's train copy; 2 modalities each");
        assertEquals(6, update.removed(), "c1 under its old group, c0, c2's pool copy");
        assertEquals(46, update.rows(), "23 manifest clips × 2 modalities: the moved clip counts once");
        Map<String, Row> stats = assertStatisticsEqual(fresh(spark, dir, features, manifest, true), update);
        assertEquals(23L, stats.get("*/audio").<Long>getAs("clips"));
        // rows left files that stay: the keys are written whole again, one table
        assertEquals(Set.of("_STATE", "keys-2", "sums-2", "files-2"), children(dir.resolve("group-sums")));
    }

    @Test
    void aRewrittenTableOrOtherSettingsTakeTheSumsAfresh(SparkSession spark, @TempDir Path dir) throws IOException {
        String features = dir.resolve("features").toString();
        List<Row> manifest = new ArrayList<>();
        Random rnd = new Random(3);
        List<Row> rows = clips(rnd, "c", 12, manifest);
        writeFeatures(spark, features, rows, SaveMode.Overwrite);
        GroupSumsLedger ledger = ledger(spark, dir, "group-sums");
        ledger.update(manifest(spark, manifest), MODALITIES, true);

        // an update stopped before its state was written left tables that nothing names: the next one removes them
        Files.createDirectories(dir.resolve("group-sums/sums-7"));
        assertEquals(GroupSumsLedger.Mode.UNCHANGED, ledger.update(manifest(spark, manifest), MODALITIES, true).mode());
        GroupSumsLedger.Update noTokens = ledger.update(manifest(spark, manifest), MODALITIES, false);
        assertEquals(GroupSumsLedger.Mode.FULL, noTokens.mode(), "token sums were asked for before");
        assertStatisticsEqual(fresh(spark, dir, features, manifest, false), noTokens);

        // a full re-extraction: the same rows in new files, the old ones gone
        writeFeatures(spark, features, rows, SaveMode.Overwrite);
        GroupSumsLedger.Update rewritten = ledger.update(manifest(spark, manifest), MODALITIES, false);
        assertEquals(GroupSumsLedger.Mode.FULL, rewritten.mode());
        assertEquals(24, rewritten.rows());
        assertStatisticsEqual(fresh(spark, dir, features, manifest, false), rewritten);
        assertFalse(children(dir.resolve("group-sums")).contains("sums-7"));

        // no state (stopped between the state's two renames): afresh, after every table left there
        Files.delete(dir.resolve("group-sums/_STATE"));
        GroupSumsLedger.Update stateless = ledger.update(manifest(spark, manifest), MODALITIES, false);
        assertEquals(GroupSumsLedger.Mode.FULL, stateless.mode());
        assertEquals(Set.of("_STATE", "keys-4", "sums-4", "files-4"), children(dir.resolve("group-sums")));
        assertStatisticsEqual(fresh(spark, dir, features, manifest, false), stateless);
    }

    private static Set<String> children(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return new TreeSet<>(s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("."))
                    .toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code n} clips of two modalities: audio pooled 3-d with 1–3 tokens, text pooled 2-d without tokens. */
    private static List<Row> clips(Random rnd, String prefix, int n, List<Row> manifest) {
        String[] splits = {"train", "test", "unlabeled"};
        String[] groups = {"g0", "g1", "g2", null};
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = prefix + i;
            String split = prefix.equals("c") ? splits[i % 3] : "unlabeled";
            manifest.add(RowFactory.create(id, split, groups[rnd.nextInt(groups.length)]));
            float[][] tokens = new float[1 + rnd.nextInt(3)][];
            for (int t = 0; t < tokens.length; t++) {
                tokens[t] = vector(rnd, 3);
            }
            rows.add(RowFactory.create(id, "audio", split, seq(vector(rnd, 3)), seqs(tokens)));
            rows.add(RowFactory.create(id, "text", split, seq(vector(rnd, 2)), null));
        }
        return rows;
    }

    private static float[] vector(Random rnd, int d) {
        float[] v = new float[d];
        for (int i = 0; i < d; i++) {
            v[i] = (float) (rnd.nextGaussian() * 3 + 10);
        }
        return v;
    }

    private static List<Float> seq(float[] v) {
        List<Float> out = new ArrayList<>();
        for (float x : v) {
            out.add(x);
        }
        return out;
    }

    private static List<List<Float>> seqs(float[][] v) {
        return Stream.of(v).map(GroupSumsLedgerTest::seq).toList();
    }

    private static void writeFeatures(SparkSession spark, String dir, List<Row> rows, SaveMode mode) {
        spark.createDataFrame(rows, FEATURES).repartition(2).write().mode(mode).partitionBy("modality", "split")
                .parquet(dir);
    }

    private static Dataset<Row> manifest(SparkSession spark, List<Row> rows) {
        return spark.createDataFrame(rows, MANIFEST);
    }

    private static Row find(List<Row> manifest, String id) {
        return manifest.stream().filter(r -> r.getString(0).equals(id)).findFirst().orElseThrow();
    }

    private static GroupSumsLedger ledger(SparkSession spark, Path dir, String name) {
        return new GroupSumsLedger(spark, new Storage(spark), dir.resolve("features").toString(),
                dir.resolve(name).toString());
    }

    /** The statistics of a pass over the table with a ledger of its own, none before it. */
    private static Dataset<Row> fresh(SparkSession spark, Path dir, String features, List<Row> manifest,
                                      boolean tokens) {
        String name = "fresh-" + System.nanoTime();
        GroupSumsLedger.Update u = ledger(spark, dir, name).update(manifest(spark, manifest), MODALITIES, tokens);
        assertEquals(GroupSumsLedger.Mode.FULL, u.mode());
        return GroupNormalization.statisticsOf(u.sums());
    }

    private static Map<String, Row> assertStatisticsEqual(Dataset<Row> expected, GroupSumsLedger.Update actual) {
        Map<String, Row> want = byKey(expected);
        Map<String, Row> got = byKey(GroupNormalization.statisticsOf(actual.sums()));
        assertEquals(new TreeSet<>(want.keySet()), new TreeSet<>(got.keySet()));
        for (String key : want.keySet()) {
            Row w = want.get(key);
            Row g = got.get(key);
            for (String count : List.of("clips", "tokens")) {
                assertEquals(w.<Long>getAs(count), g.<Long>getAs(count), key + " " + count);
            }
            for (String array : List.of("pooled_mean", "pooled_std", "tokens_mean", "tokens_std")) {
                int i = w.fieldIndex(array);
                if (w.isNullAt(i)) {
                    assertTrue(g.isNullAt(i), key + " " + array);
                    continue;
                }
                List<Float> a = w.getList(i);
                List<Float> b = g.getList(i);
                assertEquals(a.size(), b.size(), key + " " + array);
                for (int d = 0; d < a.size(); d++) {
                    assertEquals(a.get(d), b.get(d), 1e-6 * Math.max(1, Math.abs(a.get(d))), key + " " + array);
                }
            }
        }
        return got;
    }

    private static Map<String, Row> byKey(Dataset<Row> stats) {
        Map<String, Row> out = new HashMap<>();
        for (Row r : stats.collectAsList()) {
            String key = (r.<Boolean>getAs("all_clips") ? "*" : r.<String>getAs("group")) + "/" + r.getAs("modality");
            assertNull(out.put(key, r), key);
        }
        return out;
    }

    private static Set<String> files(String dir) {
        try (Stream<Path> s = Files.walk(Path.of(dir))) {
            return new TreeSet<>(s.filter(p -> p.getFileName().toString().endsWith(".parquet"))
                    .map(p -> p.getFileName().toString()).toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Set<String> names(List<String> uris) {
        return new TreeSet<>(uris.stream().map(u -> u.substring(u.lastIndexOf('/') + 1)).toList());
    }
}
