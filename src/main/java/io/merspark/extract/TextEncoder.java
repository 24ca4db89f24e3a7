package io.merspark.extract;

import ai.djl.translate.TranslateException;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/** A text encoder of {@code mer.extract.text.encoder}: transcripts in, one vector per token out. */
public interface TextEncoder extends AutoCloseable {

    String id();

    Session newSession();

    @Override
    void close();

    /** One task's predictor; not thread-safe. */
    interface Session extends AutoCloseable {
        /** One embedding per non-blank text; adds the number of texts cut at the maximum length to truncated. */
        List<Embedding> encode(List<String> texts, LongAdder truncated) throws TranslateException;

        @Override
        void close();
    }
}
