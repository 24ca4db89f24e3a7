package io.merspark.extract;

import ai.djl.translate.TranslateException;

import java.util.List;

/** A speech encoder of {@code mer.extract.audio.encoder}: 16 kHz mono PCM in [-1, 1] in. */
public interface AudioEncoder extends AutoCloseable {

    String id();

    Session newSession();

    @Override
    void close();

    /** One task's predictors; not thread-safe. */
    interface Session extends AutoCloseable {
        List<Embedding> encode(List<float[]> clips) throws TranslateException;

        @Override
        void close();
    }
}
