package io.merspark.extract;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.TranslateException;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import io.merspark.config.EncoderContract;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * all-MiniLM-L6-v2 (quantised ONNX) with its HuggingFace tokenizer: tokens are the 384-d vectors of the text's
 * tokens (with [CLS] and [SEP]), pooled is their mean, the sentence-transformers pooling of this model.
 */
public final class SentenceEncoder implements TextEncoder {

    public static final int WIDTH = 384;
    public static final String DEFAULT_MODEL = "classpath:all-minilm-l6-v2-q.onnx";
    public static final String DEFAULT_TOKENIZER = "classpath:all-minilm-l6-v2-q-tokenizer.json";

    private final TokenizedModel loaded;
    private final String id;
    private final LongAdder truncated = new LongAdder();
    private final EncoderContract.Text contract;

    public SentenceEncoder(Path onnx, Path tokenizerJson, int maxLength) {
        this(onnx, tokenizerJson, maxLength, "cpu", 1);
    }

    public SentenceEncoder(Path onnx, Path tokenizerJson, int maxLength, String device, int threads) {
        this(onnx, tokenizerJson, maxLength, OnnxModels.device(device), threads);
    }

    public SentenceEncoder(Path onnx, Path tokenizerJson, int maxLength, ai.djl.Device device, int threads) {
        this(onnx, tokenizerJson, maxLength, EncoderContract.Text.sentence(), device, threads);
    }

    /** An encoder-only model under a {@code sentence} contract (input and output names, mean or CLS pooling). */
    public SentenceEncoder(Path onnx, Path tokenizerJson, int maxLength, EncoderContract.Text contract,
                           ai.djl.Device device, int threads) {
        this.contract = contract;
        this.loaded = TokenizedModel.load(onnx, tokenizerJson, maxLength, device, threads);
        this.id = "all-minilm-l6-v2-q@" + ModelFiles.shortSha256(onnx);
    }

    /** Loads model and tokenizer from locations that may be {@code classpath:} resources. */
    public static SentenceEncoder fromLocations(String onnx, String tokenizerJson, int maxLength, String device,
                                                int threads) {
        return fromLocations(onnx, tokenizerJson, maxLength, OnnxModels.device(device), threads);
    }

    /** As {@link #fromLocations(String, String, int, String, int)} on a given DJL device. */
    public static SentenceEncoder fromLocations(String onnx, String tokenizerJson, int maxLength,
                                                ai.djl.Device device, int threads) {
        return new SentenceEncoder(ModelFiles.resolve(onnx), ModelFiles.resolve(tokenizerJson), maxLength, device,
                threads);
    }

    @Override
    public String id() {
        return id;
    }

    /** How many texts this encoder has cut at the maximum length so far. */
    public long truncatedTexts() {
        return truncated.sum();
    }

    /** One embedding per non-blank text. */
    public List<Embedding> encode(List<String> texts) throws TranslateException {
        return encode(texts, new LongAdder());
    }

    /** As {@link #encode(List)}, also adding the number of texts cut at the maximum length to {@code truncatedOut}. */
    public List<Embedding> encode(List<String> texts, LongAdder truncatedOut) throws TranslateException {
        try (Session session = newSession()) {
            return session.encode(texts, truncatedOut);
        }
    }

    /** A predictor for one thread (a Spark task): reuse it for all of the task's batches, then close it. */
    @Override
    public Session newSession() {
        return new Session(loaded.model().newPredictor(new TokenTranslator(contract)));
    }

    /** One task's predictor; not thread-safe. */
    public final class Session implements TextEncoder.Session {
        private final Predictor<Encoding, Embedding> predictor;

        private Session(Predictor<Encoding, Embedding> predictor) {
            this.predictor = predictor;
        }

        /** As {@link SentenceEncoder#encode(List, LongAdder)}. */
        @Override
        public List<Embedding> encode(List<String> texts, LongAdder truncatedOut) throws TranslateException {
            return SentenceEncoder.this.encode(predictor, texts, truncatedOut);
        }

        @Override
        public void close() {
            predictor.close();
        }
    }

    private List<Embedding> encode(Predictor<Encoding, Embedding> predictor, List<String> texts,
                                   LongAdder truncatedOut) throws TranslateException {
        if (texts.isEmpty()) {
            return List.of();
        }
        List<Encoding> encodings = new ArrayList<>(texts.size());
        for (String text : texts) {
            encodings.add(loaded.tokenize(text, truncated, truncatedOut));
        }
        return predictor.batchPredict(encodings);
    }

    @Override
    public void close() {
        loaded.close();
    }

    /**
     * Token ids → token vectors, one text per forward pass. The quantised graph quantises activations dynamically
     * (DynamicQuantizeLinear: one int8 scale per tensor, computed over the whole batch), so in a padded batch a
     * text's vectors depend on its batch mates (measured: up to 0.05 absolute, cosine 0.987 against the text alone).
     * Features must not depend on partitioning or batch size, so there is no batchifier: {@code batchPredict} then
     * runs each text on its own, with no padding; tokenisation is the cheap part and stays per batch in the caller.
     */
    private static final class TokenTranslator implements NoBatchifyTranslator<Encoding, Embedding> {

        private final EncoderContract.Text contract;

        TokenTranslator(EncoderContract.Text contract) {
            this.contract = contract;
        }

        @Override
        public NDList processInput(TranslatorContext ctx, Encoding encoding) {
            NDManager manager = ctx.getNDManager();
            Shape shape = new Shape(1, encoding.getIds().length);
            return new NDList(named(manager.create(encoding.getIds(), shape), contract.inputIds()),
                    named(manager.create(encoding.getAttentionMask(), shape), contract.attentionMask()),
                    named(manager.create(encoding.getTypeIds(), shape), "token_type_ids"));
        }

        @Override
        public Embedding processOutput(TranslatorContext ctx, NDList outputs) {
            NDArray hidden = EncoderModels.output(outputs, contract.output());
            int seq = (int) hidden.getShape().get(1);
            // no padding, so every position is a real token
            int width = (int) hidden.getShape().get(2); // 384 here; an exported encoder's own width otherwise
            float[][] tokens = OnnxModels.rows(EncoderModels.floats(hidden), 0, seq, width);
            return "cls".equals(contract.pooling()) ? new Embedding(tokens[0].clone(), tokens)
                    : Embedding.meanOf(tokens);
        }

        private static NDArray named(NDArray array, String name) {
            array.setName(name);
            return array;
        }
    }
}
