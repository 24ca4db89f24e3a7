package io.merspark.extract;

import ai.djl.translate.TranslateException;

import java.util.List;

/** A frame encoder of {@code mer.extract.video.encoder}: clips of 3×size×size RGB CHW frames (0..255) in. */
public interface VideoEncoder extends AutoCloseable {

    /** Encoder name and short model digest, as written to the features table. */
    String id();

    /** A predictor for one task, with at most {@code framesPerCall} frames in one model call. */
    Session newSession(int framesPerCall);

    @Override
    void close();

    /** One task's predictor; not thread-safe. */
    interface Session extends AutoCloseable {
        /** One embedding per clip: tokens are the per-frame vectors, pooled their mean. */
        List<Embedding> encode(List<List<float[]>> clips) throws TranslateException;

        @Override
        void close();
    }
}
