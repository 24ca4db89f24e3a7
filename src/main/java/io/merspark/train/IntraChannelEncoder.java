package io.merspark.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * One Transformer encoder layer inside a modality (post-norm, as PyTorch's {@code nn.TransformerEncoderLayer}):
 * <pre>
 * x = LayerNorm(x + Dropout(SelfAttention(x, x, mask)))
 * x = LayerNorm(x + Dropout(Linear(Dropout(ReLU(Linear(x))))))      feed-forward d → 2d → d
 * </pre>
 * Input {@link NDList}: tokens {@code (B, T, d)} and their mask {@code (B, T)}; output: {@code (B, T, d)}.
 * Padded positions are computed but never attended to, and pooling ignores them.
 */
final class IntraChannelEncoder extends AbstractBlock {

    private static final byte VERSION = 1;

    private final int width;
    private final MaskedMultiHeadAttention attention;
    private final Dropout attentionDropout;
    private final LayerNorm attentionNorm;
    private final Linear expand;
    private final Dropout feedForwardDropout;
    private final Linear contract;
    private final Dropout outputDropout;
    private final LayerNorm feedForwardNorm;

    IntraChannelEncoder(int width, int heads, float dropout) {
        super(VERSION);
        this.width = width;
        attention = addChildBlock("self_attention", new MaskedMultiHeadAttention(width, heads, dropout));
        attentionDropout = addChildBlock("attention_dropout", Dropout.builder().optRate(dropout).build());
        attentionNorm = addChildBlock("attention_norm", LayerNorm.builder().axis(1).build());
        expand = addChildBlock("expand", Linear.builder().setUnits(2L * width).build());
        feedForwardDropout = addChildBlock("feed_forward_dropout", Dropout.builder().optRate(dropout).build());
        contract = addChildBlock("contract", Linear.builder().setUnits(width).build());
        outputDropout = addChildBlock("output_dropout", Dropout.builder().optRate(dropout).build());
        feedForwardNorm = addChildBlock("feed_forward_norm", LayerNorm.builder().axis(1).build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray mask = inputs.get(1);
        Shape s = x.getShape();
        NDArray attended = attention.forward(store, new NDList(x, x, mask), training).singletonOrThrow();
        x = norm(attentionNorm, store, x.add(drop(attentionDropout, store, attended, training)), training);
        NDArray flat = x.reshape(s.get(0) * s.get(1), width);
        NDArray hidden = drop(feedForwardDropout, store,
                ai.djl.nn.Activation.relu(expand.forward(store, new NDList(flat), training).singletonOrThrow()), training);
        NDArray ff = contract.forward(store, new NDList(hidden), training).singletonOrThrow().reshape(s);
        x = norm(feedForwardNorm, store, x.add(drop(outputDropout, store, ff, training)), training);
        return new NDList(x);
    }

    static NDArray drop(Dropout dropout, ParameterStore store, NDArray x, boolean training) {
        return dropout.forward(store, new NDList(x), training).singletonOrThrow();
    }

    /** LayerNorm over the last axis of a (B, T, d) tensor. */
    static NDArray norm(LayerNorm norm, ParameterStore store, NDArray x, boolean training) {
        Shape s = x.getShape();
        NDArray flat = x.reshape(s.get(0) * s.get(1), s.get(2));
        return norm.forward(store, new NDList(flat), training).singletonOrThrow().reshape(s);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape tokens = new Shape(1, 1, width);
        Shape flat = new Shape(1, width);
        attention.initialize(manager, dataType, tokens, tokens, new Shape(1, 1));
        attentionDropout.initialize(manager, dataType, tokens);
        attentionNorm.initialize(manager, dataType, flat);
        expand.initialize(manager, dataType, flat);
        feedForwardDropout.initialize(manager, dataType, new Shape(1, 2L * width));
        contract.initialize(manager, dataType, new Shape(1, 2L * width));
        outputDropout.initialize(manager, dataType, tokens);
        feedForwardNorm.initialize(manager, dataType, flat);
    }
}
