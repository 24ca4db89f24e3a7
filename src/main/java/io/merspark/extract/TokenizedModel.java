package io.merspark.extract;

import ai.djl.Device;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.ZooModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.LongAdder;

/** A text encoder's model with its HuggingFace tokenizer, loaded and closed together; shared by the text encoders. */
record TokenizedModel(ZooModel<NDList, NDList> model, HuggingFaceTokenizer tokenizer) implements AutoCloseable {

    /** The tokenizer truncates at {@code maxLength} and does not pad; it is closed again when the model fails to load. */
    static TokenizedModel load(Path file, Path tokenizerJson, int maxLength, Device device, int threads) {
        HuggingFaceTokenizer tokenizer;
        try {
            tokenizer = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(tokenizerJson)
                    .optMaxLength(maxLength)
                    .optTruncation(true)
                    .optPadding(false)
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer " + tokenizerJson, e);
        }
        try {
            return new TokenizedModel(EncoderModels.load(file, device, threads), tokenizer);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /** The text's encoding; a blank text is an error, a text cut at the maximum length adds one to each counter. */
    Encoding tokenize(String text, LongAdder... truncated) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("blank text");
        }
        Encoding e = tokenizer.encode(text);
        if (e.exceedMaxLength()) {
            for (LongAdder counter : truncated) {
                counter.increment();
            }
        }
        return e;
    }

    @Override
    public void close() {
        try {
            model.close();
        } finally {
            tokenizer.close();
        }
    }
}
