package io.merspark.extract;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslateException;
import ai.djl.translate.TranslatorContext;
import io.merspark.config.EncoderContract;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * A decoder-only LM as text encoder (kind {@code causal-lm}), ONNX or TorchScript, with its HuggingFace tokenizer: a
 * batch's texts are padded to its longest on the contract's side (mask 0, id 0) and run together; a text's tokens are
 * the vectors of its real positions (the output, or hidden state {@code layer}), pooled the last real token's vector
 * or their mean. With left padding the positions of a short text are shifted, as in Hugging Face batching, so its
 * vectors depend on its batch's longest text; batch size 1 avoids that.
 */
public final class CausalLmEncoder implements TextEncoder {

    private final TokenizedModel loaded;
    private final EncoderContract.Text contract;
    private final String id;

    public CausalLmEncoder(Path file, Path tokenizerJson, int maxLength, EncoderContract.Text contract,
                           ai.djl.Device device, int threads) {
        this.loaded = TokenizedModel.load(file, tokenizerJson, maxLength, device, threads);
        this.contract = contract;
        this.id = "causal-lm:" + file.getFileName() + "@" + ModelFiles.shortSha256(file, tokenizerJson);
    }

    @Override
    public String id() {
        return id;
    }

    /** The tokenizer's ids of {@code text}, truncated at the maximum length. */
    public long[] ids(String text) {
        return loaded.tokenizer().encode(text).getIds();
    }

    @Override
    public Session newSession() {
        Predictor<List<long[]>, List<Embedding>> predictor = loaded.model().newPredictor(new BatchTranslator());
        return new Session() {
            @Override
            public List<Embedding> encode(List<String> texts, LongAdder truncated) throws TranslateException {
                if (texts.isEmpty()) {
                    return List.of();
                }
                List<long[]> ids = new ArrayList<>(texts.size());
                for (String text : texts) {
                    Encoding e = loaded.tokenize(text, truncated);
                    if (e.getIds().length == 0) {
                        throw new IllegalArgumentException("text has no tokens");
                    }
                    ids.add(e.getIds());
                }
                return predictor.predict(ids);
            }

            @Override
            public void close() {
                predictor.close();
            }
        };
    }

    @Override
    public void close() {
        loaded.close();
    }

    /** Token ids of a batch → padded [N, L] ids and mask → per text its real positions' vectors, pooled. */
    private final class BatchTranslator implements NoBatchifyTranslator<List<long[]>, List<Embedding>> {

        private static final String IDS = "ids";

        @Override
        public NDList processInput(TranslatorContext ctx, List<long[]> texts) {
            int longest = texts.stream().mapToInt(t -> t.length).max().orElse(0);
            long[] ids = new long[texts.size() * longest];
            long[] mask = new long[ids.length];
            for (int r = 0; r < texts.size(); r++) {
                long[] t = texts.get(r);
                int offset = r * longest + (left() ? longest - t.length : 0);
                System.arraycopy(t, 0, ids, offset, t.length);
                java.util.Arrays.fill(mask, offset, offset + t.length, 1L);
            }
            ctx.setAttachment(IDS, texts);
            NDManager manager = ctx.getNDManager();
            Shape shape = new Shape(texts.size(), longest);
            NDArray idArray = manager.create(ids, shape);
            idArray.setName(contract.inputIds());
            NDArray maskArray = manager.create(mask, shape);
            maskArray.setName(contract.attentionMask());
            return new NDList(idArray, maskArray);
        }

        @Override
        @SuppressWarnings("unchecked")
        public List<Embedding> processOutput(TranslatorContext ctx, NDList outputs) {
            List<long[]> texts = (List<long[]>) ctx.getAttachment(IDS);
            NDArray hidden = contract.layer() < 0 ? EncoderModels.output(outputs, contract.output())
                    : EncoderModels.hiddenState(outputs, contract.layer());
            Shape shape = hidden.getShape();
            if (shape.dimension() != 3 || shape.get(0) != texts.size()) {
                throw new IllegalStateException("hidden states must be [texts, length, width], got " + shape);
            }
            int longest = (int) shape.get(1);
            int width = (int) shape.get(2);
            float[] flat = EncoderModels.floats(hidden);
            List<Embedding> out = new ArrayList<>(texts.size());
            for (int r = 0; r < texts.size(); r++) {
                int length = texts.get(r).length;
                int first = r * longest + (left() ? longest - length : 0);
                float[][] tokens = OnnxModels.rows(flat, first, length, width);
                out.add("last".equals(contract.pooling()) ? new Embedding(tokens[length - 1].clone(), tokens)
                        : Embedding.meanOf(tokens));
            }
            return out;
        }
    }

    private boolean left() {
        return "left".equals(contract.paddingSide());
    }
}
