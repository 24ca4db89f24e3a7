package io.merspark.extract;

import ai.djl.Device;
import io.merspark.config.ModelPin;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * One loaded encoder per executor JVM, keyed by model location(s), device and threads, loaded lazily by the first
 * task that needs it and shared by all later tasks (a loaded model is thread-safe; each task opens its own
 * predictors from it and closes them when it completes). Only the
 * {@link ExtractSpec} travels in closures; this static cache never does. Models are closed at JVM shutdown.
 */
public final class EncoderCache {

    private static final Logger LOG = LoggerFactory.getLogger(EncoderCache.class);
    private static final Map<String, AutoCloseable> ENCODERS = new ConcurrentHashMap<>();
    private static final AtomicLong LOADS = new AtomicLong();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(EncoderCache::closeAll, "encoder-cache-close"));
    }

    private EncoderCache() {
    }

    /** Models loaded by this JVM so far. */
    public static long loadCount() {
        return LOADS.get();
    }

    public static FaceExpressionEncoder face(ExtractSpec spec, LongAccumulator loads) {
        return face(spec, Device.cpu(), spec.threads(), loads);
    }

    public static SpeechEmbeddingEncoder speech(ExtractSpec spec, LongAccumulator loads) {
        return speech(spec, Device.cpu(), spec.threads(), loads);
    }

    public static SentenceEncoder sentence(ExtractSpec spec, LongAccumulator loads) {
        return sentence(spec, Device.cpu(), spec.threads(), loads);
    }

    /** The face encoder on {@code device} with {@code threads} intra-op threads, loaded once per JVM. */
    public static FaceExpressionEncoder face(ExtractSpec spec, Device device, int threads, LongAccumulator loads) {
        return get("face|" + pinned(spec, spec.faceModel()) + "|" + device + "|" + threads, loads,
                () -> new FaceExpressionEncoder(spec.model(spec.faceModel()), device, threads));
    }

    /** The face detector of {@code face = detect} on {@code device}, loaded once per JVM. */
    public static io.merspark.face.TinyFaceDetector faceDetector(ExtractSpec spec, Device device, int threads,
                                                                 LongAccumulator loads) {
        return get("face-detector|" + pinned(spec, spec.faceDetector()) + "|" + device + "|" + threads, loads,
                () -> new io.merspark.face.TinyFaceDetector(spec.model(spec.faceDetector()), device, threads));
    }

    /** The speech encoder (mel + embedding models) on {@code device}, loaded once per JVM. */
    public static SpeechEmbeddingEncoder speech(ExtractSpec spec, Device device, int threads, LongAccumulator loads) {
        return get("speech|" + pinned(spec, spec.melModel()) + "|" + pinned(spec, spec.speechModel()) + "|" + device
                        + "|" + threads, loads,
                () -> new SpeechEmbeddingEncoder(spec.model(spec.melModel()), spec.model(spec.speechModel()),
                        device, threads));
    }

    /** The sentence encoder on {@code device}, loaded once per JVM. */
    public static SentenceEncoder sentence(ExtractSpec spec, Device device, int threads, LongAccumulator loads) {
        return get("text|" + pinned(spec, spec.textModel()) + "|" + pinned(spec, spec.textTokenizer()) + "|"
                        + spec.textMaxLength() + "|"
                        + device + "|" + threads, loads,
                () -> new SentenceEncoder(spec.model(spec.textModel()), spec.model(spec.textTokenizer()),
                        spec.textMaxLength(), device, threads));
    }

    /** The frame encoder of the spec's video contract on {@code device}, loaded once per JVM. */
    public static VideoEncoder video(ExtractSpec spec, Device device, int threads, LongAccumulator loads) {
        if (spec.videoEncoder().isFaceExpression()) {
            return face(spec, device, threads, loads);
        }
        return get("image-tower|" + pinned(spec, spec.faceModel()) + "|" + spec.frameSize() + "|"
                        + spec.videoEncoder() + "|" + device + "|" + threads, loads,
                () -> new ImageTowerEncoder(spec.model(spec.faceModel()), spec.frameSize(), spec.videoEncoder(),
                        device, threads));
    }

    /** The speech encoder of the spec's audio contract on {@code device}, loaded once per JVM. */
    public static AudioEncoder audio(ExtractSpec spec, Device device, int threads, LongAccumulator loads) {
        if (spec.audioEncoder().isSpeechEmbedding()) {
            return speech(spec, device, threads, loads);
        }
        return get("waveform|" + pinned(spec, spec.speechModel()) + "|" + spec.audioEncoder() + "|" + device + "|"
                        + threads, loads,
                () -> new WaveformEncoder(spec.model(spec.speechModel()), spec.audioEncoder(), device, threads));
    }

    /** The text encoder of the spec's text contract on {@code device}, loaded once per JVM. */
    public static TextEncoder text(ExtractSpec spec, Device device, int threads, LongAccumulator loads) {
        if (spec.textEncoder().equals(io.merspark.config.EncoderContract.Text.sentence())) {
            return sentence(spec, device, threads, loads);
        }
        String key = pinned(spec, spec.textModel()) + "|" + pinned(spec, spec.textTokenizer()) + "|"
                + spec.textMaxLength() + "|" + spec.textEncoder() + "|" + device + "|" + threads;
        if (spec.textEncoder().isSentence()) {
            return get("text|" + key, loads, () -> new SentenceEncoder(spec.model(spec.textModel()),
                    spec.model(spec.textTokenizer()), spec.textMaxLength(), spec.textEncoder(), device, threads));
        }
        return get("causal-lm|" + key, loads, () -> new CausalLmEncoder(spec.model(spec.textModel()),
                spec.model(spec.textTokenizer()), spec.textMaxLength(), spec.textEncoder(), device, threads));
    }

    /**
     * A model's part of the cache key: its location and pin. An encoder loaded unpinned, or under another pin, does
     * not satisfy a pinned request: that one loads (and hashes) the file itself.
     */
    private static String pinned(ExtractSpec spec, String location) {
        ModelPin pin = spec.pins().get(location);
        return pin == null ? location : location + "@sha256:" + pin.sha256();
    }

    @SuppressWarnings("unchecked")
    private static <T extends AutoCloseable> T get(String key, LongAccumulator loads, Supplier<T> loader) {
        return (T) ENCODERS.computeIfAbsent(key, k -> {
            long start = System.nanoTime();
            T encoder = loader.get();
            LOADS.incrementAndGet();
            if (loads != null) {
                loads.add(1);
            }
            LOG.info("loaded encoder {} in {} ms", k, (System.nanoTime() - start) / 1_000_000);
            return encoder;
        });
    }

    private static void closeAll() {
        ENCODERS.values().forEach(encoder -> {
            try {
                encoder.close();
            } catch (Exception e) {
                LOG.warn("closing encoder failed", e);
            }
        });
        ENCODERS.clear();
    }
}
