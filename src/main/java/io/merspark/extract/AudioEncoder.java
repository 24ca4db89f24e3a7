package io.merspark.extract;

import ai.djl.translate.TranslateException;

import java.util.List;

/** A speech encoder of {@code mer.extract.audio.encoder}: 16 kHz mono PCM in [-1, 1] in. */
public interface AudioEncoder extends AutoCloseable {

    String id();

    Session newSession();

    /**
     * A session with at most {@code windowsPerCall} output frames (speech windows) in one model call, where the kind
     * has such a knob; the waveform kind bounds its calls by {@code chunk-seconds} instead.
     */
    default Session newSession(int windowsPerCall) {
        return newSession();
    }

    @Override
    void close();

    /** One task's predictors; not thread-safe. */
    interface Session extends AutoCloseable {
        List<Embedding> encode(List<float[]> clips) throws TranslateException;

        @Override
        void close();
    }
}
