package io.merspark.pipeline;

import io.merspark.testing.SparkTestSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Generates a manifest that mixes the 36 good rows of {@code tiny/} with one row per kind of bad input, and the
 * broken media it points at. Each bad row names the table it must end up in and the start of its reason; the
 * {@code .npy} cases (NaN, Inf, wrong width) are clean clips whose text features are re-imported broken, see
 * {@link #writeTextNpy}.
 */
final class BadInputCorpus {

    /** Where a bad row must land: the stage that rejects it (or none), the modalities lost, the reason's start. */
    record Expectation(String stage, List<String> modalities, String reason) {
        static Expectation ingest(String reason) {
            return new Expectation("ingest", List.of("*"), reason);
        }

        static Expectation extract(List<String> modalities, String reason) {
            return new Expectation("extract", modalities, reason);
        }

        static Expectation none() {
            return new Expectation(null, List.of(), null);
        }
    }

    static final List<String> NPY_BROKEN = List.of("npy_nan", "npy_inf", "npy_width");

    final Path manifest;
    final Path npyDir;
    /** Bad sample_id → what must happen to it (a duplicated id appears twice in the manifest). */
    final Map<String, Expectation> expected = new LinkedHashMap<>();
    final List<String> goodIds = new ArrayList<>();
    /** Data lines of the manifest (what ingest reads as rows). */
    int rows;

    private final List<String> lines = new ArrayList<>();

    private BadInputCorpus(Path dir) {
        this.manifest = dir.resolve("manifest.csv");
        this.npyDir = dir.resolve("text-npy");
    }

    static BadInputCorpus write(Path dir) throws IOException {
        BadInputCorpus c = new BadInputCorpus(dir);
        Path data = SparkTestSession.dataDir();
        Path media = Path.of(System.getProperty("merspark.test.media",
                SparkTestSession.projectDir().resolve("src/test/resources/media").toString()));
        c.lines.add("sample_id,split,label,video,audio,text");
        c.copyGoodRows(data.resolve("tiny/manifest.csv"));

        String clip = data.resolve("clips/mini_0035.mp4").toString();
        Path truncated = dir.resolve("truncated.mp4");
        byte[] whole = Files.readAllBytes(data.resolve("clips/mini_0009.mp4"));
        Files.write(truncated, java.util.Arrays.copyOf(whole, whole.length / 3));
        Path notMedia = dir.resolve("notes.mp4");
        Files.writeString(notMedia, "these are meeting notes, not a video\n");

        c.bad("truncated_mp4", "train", "happy", truncated.toString(), "", "Cut off in the middle.",
                Expectation.extract(List.of("video", "audio"), "truncated or corrupt "));
        c.bad("not_media", "unlabeled", "", notMedia.toString(), "", "A text file with an mp4 name.",
                Expectation.extract(List.of("video", "audio"), ""));
        c.bad("missing_file", "test", "sad", dir.resolve("nowhere.mp4").toString(), "", "The file is gone.",
                Expectation.extract(List.of("video", "audio"), "file not found"));
        c.bad("no_audio_track", "train", "angry", media.resolve("video_only.mp4").toString(), "", "Mute video.",
                Expectation.extract(List.of("audio"), "no audio track"));
        c.bad("silent_audio", "unlabeled", "", media.resolve("silent_audio.mp4").toString(), "", "Quiet please.",
                Expectation.none());
        c.bad("zero_length_audio", "train", "worried", clip, media.resolve("zero_samples.wav").toString(), "Nothing.",
                Expectation.extract(List.of("audio"), "truncated or empty audio, no audio samples decoded"));
        c.bad("empty_transcript", "test", "neutral", clip, "", "",
                Expectation.extract(List.of("text"), "no transcript"));
        c.bad("long_transcript", "unlabeled", "", clip, "", "word ".repeat(20_000),
                Expectation.none());
        c.bad("nothing_usable", "unlabeled", "", dir.resolve("gone.mp4").toString(), "", "   ",
                Expectation.extract(List.of("video", "audio", "text"), ""));
        c.bad("unknown_label", "train", "bored", clip, "", "Label outside the class list.",
                Expectation.ingest("unknown label 'bored'"));
        c.bad("twice", "train", "happy", clip, "", "First copy.", Expectation.ingest("duplicate sample_id (2 rows)"));
        c.bad("twice", "unlabeled", "", clip, "", "Second copy.", Expectation.ingest("duplicate sample_id (2 rows)"));
        c.lines.add("short_row,train");
        c.rows++;
        c.expected.put("short_row", Expectation.ingest("malformed CSV row"));
        for (String id : NPY_BROKEN) {
            c.bad(id, id.equals("npy_nan") ? "train" : "unlabeled", id.equals("npy_nan") ? "surprise" : "", clip, "",
                    "A clean clip whose imported text features are broken.",
                    new Expectation("import", List.of("text"), id.equals("npy_width") ? "width " : "non-finite values"));
        }
        Files.write(c.manifest, c.lines, StandardCharsets.UTF_8);
        return c;
    }

    /** Rows whose sample_id was rejected by ingest. */
    List<String> ingestRejected() {
        return expected.entrySet().stream().filter(e -> "ingest".equals(e.getValue().stage())).map(Map.Entry::getKey).toList();
    }

    /** Every distinct sample_id of the manifest. */
    List<String> allIds() {
        List<String> out = new ArrayList<>(goodIds);
        out.addAll(expected.keySet());
        return out;
    }

    /**
     * The text-feature folder a MER tool chain would hand over: one {@code (D,)} float32 {@code .npy} per sample,
     * holding the given pooled vectors, except that {@link #NPY_BROKEN} get a NaN, an Inf and a shorter width.
     */
    void writeTextNpy(Map<String, float[]> pooled) throws IOException {
        Files.createDirectories(npyDir);
        for (Map.Entry<String, float[]> e : pooled.entrySet()) {
            float[] v = e.getValue().clone();
            switch (e.getKey()) {
                case "npy_nan" -> v[3] = Float.NaN;
                case "npy_inf" -> v[0] = Float.POSITIVE_INFINITY;
                case "npy_width" -> v = java.util.Arrays.copyOf(v, v.length - 7);
                default -> {
                }
            }
            io.merspark.bench.NpyWriter.floats(npyDir.resolve(e.getKey() + ".npy"), v, v.length);
        }
    }

    private void copyGoodRows(Path tinyCsv) {
        try {
            List<String> tiny = Files.readAllLines(tinyCsv, StandardCharsets.UTF_8);
            Path base = tinyCsv.getParent();
            for (String line : tiny.subList(1, tiny.size())) {
                // sample_id,split,label,video,text — the text may be quoted and contain commas
                String[] head = line.split(",", 5);
                String video = base.resolve(head[3]).normalize().toString();
                lines.add(String.join(",", head[0], head[1], head[2], video, "", head[4]));
                goodIds.add(head[0]);
                rows++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void bad(String id, String split, String label, String video, String audio, String text, Expectation e) {
        lines.add(String.join(",", id, split, label, video, audio, quote(text)));
        rows++;
        expected.put(id, e);
    }

    private static String quote(String s) {
        return s.isEmpty() ? "" : "\"" + s.replace("\"", "\"\"") + "\"";
    }
}
