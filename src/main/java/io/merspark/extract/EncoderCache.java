package io.merspark.extract;

import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * One loaded encoder per executor JVM, keyed by model location(s) and device, loaded lazily by the first task that
 * needs it and shared by all later tasks (encoders are thread-safe: each call opens its own predictor). Only the
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
        return get("face|" + spec.faceModel() + "|" + spec.device() + "|" + spec.threads(), loads,
                () -> new FaceExpressionEncoder(ModelFiles.resolve(spec.faceModel()), spec.device(), spec.threads()));
    }

    public static SpeechEmbeddingEncoder speech(ExtractSpec spec, LongAccumulator loads) {
        return get("speech|" + spec.melModel() + "|" + spec.speechModel() + "|" + spec.device() + "|"
                        + spec.threads(), loads,
                () -> new SpeechEmbeddingEncoder(ModelFiles.resolve(spec.melModel()),
                        ModelFiles.resolve(spec.speechModel()), spec.device(), spec.threads()));
    }

    public static SentenceEncoder sentence(ExtractSpec spec, LongAccumulator loads) {
        return get("text|" + spec.textModel() + "|" + spec.textTokenizer() + "|" + spec.textMaxLength() + "|"
                        + spec.device() + "|" + spec.threads(), loads,
                () -> SentenceEncoder.fromLocations(spec.textModel(), spec.textTokenizer(), spec.textMaxLength(),
                        spec.device(), spec.threads()));
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
