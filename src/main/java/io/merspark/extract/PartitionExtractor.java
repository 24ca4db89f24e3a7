package io.merspark.extract;

import io.merspark.face.FaceCropper;
import io.merspark.face.SquareResample;
import io.merspark.media.AudioDecoder;
import io.merspark.media.ClipDecoder;
import io.merspark.media.RgbImage;
import io.merspark.media.MediaException;
import io.merspark.media.MediaUnavailableException;
import io.merspark.media.VideoFrameSampler;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.LongAdder;

/**
 * The task side of extraction: reads manifest rows in chunks, and for each modality decodes the chunk's inputs and
 * encodes them in batches, emitting one {@link Outcome} per (sample, modality). A failing sample becomes an error
 * row and the task goes on. Serialised into the closure: only the spec and two accumulators; encoders come from
 * the per-JVM {@link EncoderCache}.
 */
final class PartitionExtractor implements MapPartitionsFunction<Row, Row> {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionExtractor.class);

    private final ExtractSpec spec;
    private final LongAccumulator modelLoads;
    private final LongAccumulator truncatedTexts;
    private final LongAccumulator rowsDone;
    /** This task's predictors, opened on first use and closed when the task completes. */
    private transient Sessions sessions;
    /** Clips this instance decoded in one pass for both tracks (the rest fell back to one pass per track). */
    private transient long decodedInOnePass;

    PartitionExtractor(ExtractSpec spec, LongAccumulator modelLoads, LongAccumulator truncatedTexts) {
        this(spec, modelLoads, truncatedTexts, null);
    }

    PartitionExtractor(ExtractSpec spec, LongAccumulator modelLoads, LongAccumulator truncatedTexts,
                       LongAccumulator rowsDone) {
        this.spec = spec;
        this.modelLoads = modelLoads;
        this.truncatedTexts = truncatedTexts;
        this.rowsDone = rowsDone;
    }

    /** A manifest row as the task needs it; {@code split} is null when the features are written flat. */
    record Input(String sampleId, String video, String audio, String text, String split) {
        static Input of(Row row) {
            return new Input(row.getAs("sample_id"), row.getAs("video"), row.getAs("audio"), row.getAs("text"),
                    row.getAs("split"));
        }
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        int chunkSize = spec.modalities().stream().mapToInt(spec::batchSize).max().orElse(32);
        TaskContext task = TaskContext.get();
        int partition = task == null ? -1 : task.partitionId();
        Sessions opened = new Sessions(TaskDevices.forTask(spec.device()), TaskDevices.threadsForTask(spec.threads()));
        sessions = opened;
        if (task != null) {
            // One predictor per model and task, closed (with its native memory) when the task ends, however it ends.
            task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) ctx -> opened.close());
        }
        long taskStart = System.nanoTime();
        // Lazy: one chunk is decoded and encoded at a time, so a large partition never sits in memory at once.
        return new Iterator<>() {
            private Iterator<Row> current = Collections.emptyIterator();
            private long done;

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && rows.hasNext()) {
                    List<Input> chunk = new ArrayList<>(chunkSize);
                    while (chunk.size() < chunkSize && rows.hasNext()) {
                        chunk.add(Input.of(rows.next()));
                    }
                    long start = System.nanoTime();
                    current = withSplits(chunk, extract(chunk)).iterator();
                    done += chunk.size();
                    if (rowsDone != null) {
                        rowsDone.add(chunk.size());
                    }
                    double seconds = (System.nanoTime() - taskStart) / 1e9;
                    LOG.info(String.format(java.util.Locale.ROOT,
                            "partition %d on %s: %d rows done (%d in %d ms), %.2f rows/s", partition,
                            opened.device, done, chunk.size(), (System.nanoTime() - start) / 1_000_000,
                            done / Math.max(seconds, 1e-9)));
                }
                if (!current.hasNext() && task == null) {
                    opened.close();
                }
                return current.hasNext();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }
        };
    }

    /** The chunk's outcomes with each sample's split, where the manifest gave one. */
    private static List<Row> withSplits(List<Input> chunk, List<Row> outcomes) {
        java.util.Map<String, String> splits = new java.util.HashMap<>();
        chunk.forEach(in -> splits.put(in.sampleId(), in.split()));
        List<Row> out = new ArrayList<>(outcomes.size());
        outcomes.forEach(o -> out.add(Outcome.withSplit(o, splits.get(o.getString(0)))));
        return out;
    }

    List<Row> extract(List<Input> chunk) {
        List<Row> out = new ArrayList<>(chunk.size() * spec.modalities().size());
        Map<String, DecodedClip> decodedOnce = decodeOnce(chunk);
        for (Modality m : Modality.values()) {
            if (!spec.modalities().contains(m)) {
                continue;
            }
            for (int from = 0; from < chunk.size(); from += spec.batchSize(m)) {
                out.addAll(extractBatch(m, chunk.subList(from, Math.min(chunk.size(), from + spec.batchSize(m))),
                        decodedOnce));
            }
        }
        return out;
    }

    /** A clip decoded in one pass: the video encoder's input and the 16 kHz samples. */
    private record DecodedClip(Object video, float[] audio) {
    }

    /**
     * When video and audio both come from one file, each such clip is opened and decoded once for both: sample id
     * to its decoded tracks. A clip that fails here is left out and decoded per modality
     * below, which gives each modality its own outcome and reason (a clip with a broken audio track keeps its
     * video features).
     */
    private Map<String, DecodedClip> decodeOnce(List<Input> chunk) {
        Map<String, DecodedClip> decoded = new HashMap<>();
        if (!spec.modalities().contains(Modality.VIDEO) || !spec.modalities().contains(Modality.AUDIO)) {
            return decoded;
        }
        ClipDecoder decoder = new ClipDecoder(sessions().threads);
        for (Input in : chunk) {
            if (in.video() == null || in.video().isBlank() || (in.audio() != null && !in.audio().equals(in.video()))) {
                continue;
            }
            try {
                Path clip = Paths.get(in.video());
                if (fullFrames()) {
                    ClipDecoder.Clip<RgbImage> c = decoder.decodeImages(clip, spec.framesPerClip());
                    decoded.put(in.sampleId(), new DecodedClip(fromImages(c.frames()), c.audio()));
                } else {
                    ClipDecoder.Clip<float[]> c = decoder.decodeChw(clip, spec.framesPerClip(), spec.frameSize());
                    decoded.put(in.sampleId(), new DecodedClip(c.frames(), c.audio()));
                }
                decodedInOnePass++;
            } catch (MediaException | RuntimeException e) {
                LOG.debug("{}: one-pass decoding failed, decoding per modality: {}", in.sampleId(), e.toString());
            }
        }
        return decoded;
    }

    long decodedInOnePass() {
        return decodedInOnePass;
    }

    private List<Row> extractBatch(Modality m, List<Input> batch, Map<String, DecodedClip> decodedOnce) {
        List<Row> out = new ArrayList<>(batch.size());
        List<String> ids = new ArrayList<>();
        List<Object> decoded = new ArrayList<>();
        for (Input in : batch) {
            try {
                DecodedClip once = m == Modality.TEXT ? null : decodedOnce.get(in.sampleId());
                decoded.add(once == null ? decode(m, in) : m == Modality.VIDEO ? once.video() : once.audio());
                ids.add(in.sampleId());
            } catch (MediaUnavailableException e) {
                out.add(Outcome.error(in.sampleId(), m, e.getMessage(), true));
            } catch (MediaException | IllegalArgumentException e) {
                out.add(Outcome.error(in.sampleId(), m, e.getMessage()));
            } catch (RuntimeException e) {
                out.add(Outcome.error(in.sampleId(), m, m.key() + " decoding failed: " + e));
            }
        }
        if (ids.isEmpty()) {
            return out;
        }
        List<Embedding> embeddings;
        String encoder = encoderId(m);
        try {
            embeddings = encode(m, decoded);
        } catch (Exception batchFailure) {
            // Isolate the sample that broke the batch: encode one by one, so only that one becomes an error.
            LOG.warn("{} batch of {} failed, encoding one by one: {}", m.key(), ids.size(), batchFailure.toString());
            embeddings = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                try {
                    embeddings.add(encode(m, List.of(decoded.get(i))).get(0));
                } catch (Exception e) {
                    embeddings.add(null);
                    out.add(Outcome.error(ids.get(i), m, m.key() + " encoder failed: " + e.getMessage()));
                }
            }
        }
        for (int i = 0; i < ids.size(); i++) {
            Embedding e = embeddings.get(i);
            if (e == null) {
                continue;
            }
            if (!e.isFinite()) {
                out.add(Outcome.error(ids.get(i), m, "non-finite values (NaN/Inf) in " + m.key() + " embedding"));
            } else {
                Float faceFound = decoded.get(i) instanceof FaceCropper.Crops c ? c.faceFound() : null;
                out.add(Outcome.feature(ids.get(i), m, encoder, e, spec.maxTokens(m), faceFound));
            }
        }
        return out;
    }

    private Object decode(Modality m, Input in) throws MediaException {
        return switch (m) {
            case VIDEO -> {
                Path video = path(in.video(), "video");
                VideoFrameSampler sampler = new VideoFrameSampler(sessions().threads);
                yield fullFrames() ? fromImages(sampler.sampleImages(video, spec.framesPerClip()))
                        : sampler.sample(video, spec.framesPerClip(), spec.frameSize());
            }
            case AUDIO -> new AudioDecoder(sessions().threads).decodeMono16k(
                    path(in.audio() != null ? in.audio() : in.video(), "audio or video"));
            case TEXT -> {
                if (in.text() == null || in.text().isBlank()) {
                    throw new IllegalArgumentException(in.text() == null ? "no transcript" : "blank transcript");
                }
                yield in.text();
            }
        };
    }

    /** Face detection and an image tower's centre crop start from full-resolution frames. */
    private boolean fullFrames() {
        return spec.detectsFaces() || "crop".equals(spec.videoEncoder().fit());
    }

    /** The video encoder's input from full-resolution frames. */
    private Object fromImages(List<RgbImage> images) {
        if (spec.detectsFaces()) {
            // cropped straight to the encoder's size around the largest face
            try {
                return new FaceCropper(faceDetector()).crop(images, spec.frameSize());
            } catch (ai.djl.translate.TranslateException e) {
                throw new IllegalArgumentException("face detection failed: " + e.getMessage(), e);
            }
        }
        // an image tower's preprocessing: the centred square of the short side, resized
        List<float[]> crops = new ArrayList<>(images.size());
        images.forEach(image -> crops.add(SquareResample.centreCrop(image, spec.frameSize())));
        return crops;
    }

    private static Path path(String location, String what) throws MediaException {
        if (location == null || location.isBlank()) {
            throw new MediaException("no " + what + " path");
        }
        return Paths.get(location);
    }

    @SuppressWarnings("unchecked")
    private List<Embedding> encode(Modality m, List<Object> inputs) throws Exception {
        Sessions s = sessions();
        return switch (m) {
            case VIDEO -> s.face().encode(inputs.stream()
                    .map(i -> i instanceof FaceCropper.Crops c ? c.frames() : (List<float[]>) i).toList());
            case AUDIO -> s.speech().encode((List<float[]>) (List<?>) inputs);
            case TEXT -> {
                LongAdder truncated = new LongAdder();
                List<Embedding> e = s.text().encode((List<String>) (List<?>) inputs, truncated);
                truncatedTexts.add(truncated.sum());
                yield e;
            }
        };
    }

    private io.merspark.face.TinyFaceDetector faceDetector() {
        Sessions s = sessions();
        return EncoderCache.faceDetector(spec, s.device, s.threads, modelLoads);
    }

    private String encoderId(Modality m) {
        Sessions s = sessions();
        return switch (m) {
            case VIDEO -> EncoderCache.video(spec, s.device, s.threads, modelLoads).id();
            case AUDIO -> EncoderCache.audio(spec, s.device, s.threads, modelLoads).id();
            case TEXT -> EncoderCache.text(spec, s.device, s.threads, modelLoads).id();
        };
    }

    /** For {@link #extract(List)} called outside {@link #call(Iterator)} (tests): CPU sessions, never closed early. */
    private Sessions sessions() {
        if (sessions == null) {
            sessions = new Sessions(TaskDevices.forTask(spec.device()), TaskDevices.threadsForTask(spec.threads()));
        }
        return sessions;
    }

    /** The predictors of one task over the per-JVM cached models, opened lazily per modality. */
    private final class Sessions implements AutoCloseable {
        final ai.djl.Device device;
        final int threads;
        private VideoEncoder.Session face;
        private AudioEncoder.Session speech;
        private TextEncoder.Session text;
        private boolean closed;

        Sessions(ai.djl.Device device, int threads) {
            this.device = device;
            this.threads = threads;
        }

        synchronized VideoEncoder.Session face() {
            open();
            if (face == null) {
                face = EncoderCache.video(spec, device, threads, modelLoads).newSession(spec.framesPerCall(device));
            }
            return face;
        }

        synchronized AudioEncoder.Session speech() {
            open();
            if (speech == null) {
                speech = EncoderCache.audio(spec, device, threads, modelLoads).newSession(spec.windowsPerCall(device));
            }
            return speech;
        }

        synchronized TextEncoder.Session text() {
            open();
            if (text == null) {
                text = EncoderCache.text(spec, device, threads, modelLoads).newSession();
            }
            return text;
        }

        private void open() {
            if (closed) {
                throw new IllegalStateException("the task's predictors are closed");
            }
        }

        @Override
        public synchronized void close() {
            closed = true;
            for (AutoCloseable c : new AutoCloseable[] {face, speech, text}) {
                if (c != null) {
                    try {
                        c.close();
                    } catch (Exception e) {
                        LOG.warn("closing a predictor failed", e);
                    }
                }
            }
            face = null;
            speech = null;
            text = null;
        }
    }
}
