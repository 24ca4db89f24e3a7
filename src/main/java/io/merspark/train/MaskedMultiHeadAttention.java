package io.merspark.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Multi-head scaled dot-product attention with a key padding mask (the math of PyTorch's
 * {@code nn.MultiheadAttention}): {@code softmax(QKᵀ/√d_h − ∞·(1−mask)) V}, heads concatenated and projected.
 *
 * <p>Input {@link NDList}: query {@code (B, Tq, d)}, key/value {@code (B, Tk, d)}, key mask {@code (B, Tk)}
 * (1 valid, 0 padding). Output: {@code (B, Tq, d)}. A row whose keys are all padding attends uniformly
 * to the padding: the result is finite, and callers that care (cross-attention) zero it out.
 */
final class MaskedMultiHeadAttention extends AbstractBlock {

    private static final byte VERSION = 1;
    static final float MASKED = 1e9f;

    private final int width;
    private final int heads;
    private final Linear query;
    private final Linear key;
    private final Linear value;
    private final Linear output;
    private final Dropout attentionDropout;

    MaskedMultiHeadAttention(int width, int heads, float dropout) {
        super(VERSION);
        this.width = width;
        this.heads = heads;
        query = addChildBlock("query", Linear.builder().setUnits(width).build());
        key = addChildBlock("key", Linear.builder().setUnits(width).build());
        value = addChildBlock("value", Linear.builder().setUnits(width).build());
        output = addChildBlock("output", Linear.builder().setUnits(width).build());
        attentionDropout = addChildBlock("attention_dropout", Dropout.builder().optRate(dropout).build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray q = inputs.get(0);
        NDArray kv = inputs.get(1);
        NDArray keyMask = inputs.get(2);
        long batch = q.getShape().get(0);
        long tq = q.getShape().get(1);
        long tk = kv.getShape().get(1);
        int headWidth = width / heads;
        NDArray qh = split(project(query, store, q, training), batch, tq, headWidth);   // (B, h, Tq, dh)
        NDArray kh = split(project(key, store, kv, training), batch, tk, headWidth);   // (B, h, Tk, dh)
        NDArray vh = split(project(value, store, kv, training), batch, tk, headWidth); // (B, h, Tk, dh)
        NDArray dot = qh.matMul(kh.transpose(0, 1, 3, 2));
        NDArray scores = dot.div(TrackedConstants.scalar(dot, (float) Math.sqrt(headWidth))); // (B, h, Tq, Tk)
        NDArray bias = keyMask.sub(1f).mul(MASKED).reshape(batch, 1, 1, tk);
        NDArray attention = scores.add(bias).softmax(-1);
        attention = attentionDropout.forward(store, new NDList(attention), training).singletonOrThrow();
        NDArray context = attention.matMul(vh).transpose(0, 2, 1, 3).reshape(batch, tq, width);
        return new NDList(project(output, store, context, training));
    }

    /** A Linear over the last axis of a (B, T, ·) tensor. */
    static NDArray project(Linear linear, ParameterStore store, NDArray x, boolean training) {
        Shape s = x.getShape();
        NDArray flat = x.reshape(s.get(0) * s.get(1), s.get(2));
        NDArray y = linear.forward(store, new NDList(flat), training).singletonOrThrow();
        return y.reshape(s.get(0), s.get(1), y.getShape().get(1));
    }

    private NDArray split(NDArray x, long batch, long t, int headWidth) {
        return x.reshape(batch, t, heads, headWidth).transpose(0, 2, 1, 3);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape flat = new Shape(1, width);
        for (Linear l : new Linear[] {query, key, value, output}) {
            l.initialize(manager, dataType, flat);
        }
        attentionDropout.initialize(manager, dataType, new Shape(1, heads, 1, 1));
    }
}
