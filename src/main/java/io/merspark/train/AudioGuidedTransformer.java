package io.merspark.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.util.ArrayList;
import java.util.List;

/**
 * The Audio-Guided Transformer: token-level fusion in which the speech stream queries the face and text
 * streams.
 *
 * <pre>
 *  video (B,Tv,256)   audio (B,Ta,96)   text (B,Tt,384)        + padding masks (B,T·)
 *        │                 │                 │
 *   Linear→d + e_v    Linear→d + e_a    Linear→d + e_t          projection + learned modality embedding
 *     (+ PE)            (+ PE)            (+ PE)                (positional = sinusoidal: token order)
 *        │                 │                 │
 *   L × encoder       L × encoder       L × encoder            intra-channel: self-attention + FFN,
 *        │                 │                 │                  residual + LayerNorm, key padding mask
 *        ├──────────┐      │      ┌──────────┤
 *        │          └─ K,V │ Q ───┘ K,V      │
 *        │           cross-attention         │                  inter-channel: audio tokens are the queries
 *        │                 │                 │
 *        │   z = LN(a + σ(W[a;c])⊙c)         │                  gated residual keeps the audio stream
 *        │                 │                 │
 *   mean_mask(v)      mean_mask(z)=g    mean_mask(t)  mean_mask(a)
 *        └───────── concat [g, v̄, ā, t̄] ────┘                  (B, (M+1)·d)
 *                          │
 *          Dropout → Linear(d) → ReLU → Dropout → Linear(classes)
 *                          │
 *                          + Linear(classes)(Dropout([mean(x_v), mean(x_a), mean(x_t)]))   pooled-branch = linear
 * </pre>
 *
 * <b>Pooled branch.</b> With {@code pooledBranch = linear} the logits also get a linear map of the concatenated
 * per-modality means of the (standardised) input tokens, before any projection: a logistic regression over the
 * pooled vectors, trained jointly with the transformer, which on a few hundred clips is a strong model by itself.
 * A missing modality contributes zeros (the training mean of its standardised tokens).
 *
 * <b>Missing modalities.</b> A missing modality is a sequence whose mask is all zero. Its pooled output is
 * the masked mean over no tokens, i.e. 0. When video and text are both missing, the cross-attention output
 * is zeroed, so z = LN(a). When <b>audio</b> is missing there is nothing to guide with: the guided vector g
 * falls back to the mean of the pooled intra-channel outputs of the modalities that are present, so the
 * classifier still sees a meaningful vector in that slot (and modality dropout teaches it that case).
 * A sample with no modality at all gives finite but meaningless logits; the trainer rejects such rows.
 *
 * <p>Input {@link NDList}: for each modality in spec order, its tokens {@code (B, T_m, D_m)} followed by its
 * mask {@code (B, T_m)} (1 valid, 0 padding); T_m may change from batch to batch. Output: {@code (B, classes)}.
 */
public final class AudioGuidedTransformer extends AbstractBlock {

    private static final byte VERSION = 1;

    private final int modalities;
    private final int guide;
    private final int width;
    private final int numClasses;
    private final int[] dims;
    private final boolean sinusoidal;
    private final List<Linear> projections = new ArrayList<>();
    private final List<List<IntraChannelEncoder>> encoders = new ArrayList<>();
    private final Parameter modalityEmbedding;
    private final MaskedMultiHeadAttention crossAttention;
    private final Linear gate;
    private final Dropout crossDropout;
    private final LayerNorm guidedNorm;
    private final Dropout fusedDropout;
    private final Linear hidden;
    private final Dropout hiddenDropout;
    private final Linear classifier;
    /** Null unless the pooled branch is on. */
    private final Dropout pooledDropout;
    private final Linear pooledLinear;

    public AudioGuidedTransformer(TrainSpec spec) {
        super(VERSION);
        this.modalities = spec.numModalities();
        this.guide = spec.modalities().indexOf(TrainSpec.GUIDE);
        this.width = spec.hidden();
        this.numClasses = spec.numClasses();
        this.dims = spec.inputDims();
        this.sinusoidal = TrainSpec.POSITIONAL_SINUSOIDAL.equals(spec.positional());
        float rate = (float) spec.dropout();
        for (int m = 0; m < modalities; m++) {
            String name = spec.modalities().get(m);
            projections.add(addChildBlock("projection_" + name, Linear.builder().setUnits(width).build()));
            List<IntraChannelEncoder> layers = new ArrayList<>();
            for (int l = 0; l < spec.layers(); l++) {
                layers.add(addChildBlock("encoder_" + name + "_" + l, new IntraChannelEncoder(width, spec.heads(), rate)));
            }
            encoders.add(layers);
        }
        modalityEmbedding = addParameter(Parameter.builder().setName("modality_embedding")
                .setType(Parameter.Type.WEIGHT).optShape(new Shape(modalities, width)).build());
        crossAttention = addChildBlock("cross_attention", new MaskedMultiHeadAttention(width, spec.heads(), rate));
        gate = addChildBlock("gate", Linear.builder().setUnits(width).build());
        crossDropout = addChildBlock("cross_dropout", Dropout.builder().optRate(rate).build());
        guidedNorm = addChildBlock("guided_norm", LayerNorm.builder().axis(1).build());
        fusedDropout = addChildBlock("fused_dropout", Dropout.builder().optRate(rate).build());
        hidden = addChildBlock("hidden", Linear.builder().setUnits(width).build());
        hiddenDropout = addChildBlock("hidden_dropout", Dropout.builder().optRate(rate).build());
        classifier = addChildBlock("classifier", Linear.builder().setUnits(numClasses).build());
        if (TrainSpec.POOLED_LINEAR.equals(spec.pooledBranch())) {
            pooledDropout = addChildBlock("pooled_dropout", Dropout.builder().optRate(rate).build());
            pooledLinear = addChildBlock("pooled_linear", Linear.builder().setUnits(numClasses).build());
        } else {
            pooledDropout = null;
            pooledLinear = null;
        }
        setInitializer(AttentionFusionBlock.TORCH_LINEAR_INIT, Parameter.Type.WEIGHT);
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        if (inputs.size() != 2 * modalities) {
            throw new IllegalArgumentException("expected tokens and mask for " + modalities + " modalities, got "
                    + inputs.size() + " arrays");
        }
        NDArray embedding = store.getValue(modalityEmbedding, inputs.head().getDevice(), training);
        NDArray[] streams = new NDArray[modalities];
        NDArray[] masks = new NDArray[modalities];
        NDArray[] pooled = new NDArray[modalities];
        NDArray[] present = new NDArray[modalities];
        for (int m = 0; m < modalities; m++) {
            masks[m] = inputs.get(2 * m + 1);
            NDArray x = MaskedMultiHeadAttention.project(projections.get(m), store, inputs.get(2 * m), training)
                    .add(embedding.get(m));
            if (sinusoidal) {
                x = x.add(x.getManager().create(PositionalEncoding.sinusoidal((int) x.getShape().get(1), width),
                        new Shape(x.getShape().get(1), width)));
            }
            for (IntraChannelEncoder layer : encoders.get(m)) {
                x = layer.forward(store, new NDList(x, masks[m]), training).singletonOrThrow();
            }
            streams[m] = x;
            pooled[m] = maskedMean(x, masks[m]);
            present[m] = masks[m].max(new int[] {1}, true);                     // (B, 1): 1 when any token
        }

        NDArray audio = streams[guide];
        NDList contextTokens = new NDList();
        NDList contextMasks = new NDList();
        for (int m = 0; m < modalities; m++) {
            if (m != guide) {
                contextTokens.add(streams[m]);
                contextMasks.add(masks[m]);
            }
        }
        NDArray context = NDArrays.concat(contextTokens, 1);
        NDArray contextMask = NDArrays.concat(contextMasks, 1);
        NDArray cross = crossAttention.forward(store, new NDList(audio, context, contextMask), training)
                .singletonOrThrow()
                .mul(contextMask.max(new int[] {1}, true).expandDims(2));      // no video, no text: no context
        NDArray gateValue = Activation.sigmoid(
                MaskedMultiHeadAttention.project(gate, store, audio.concat(cross, 2), training));
        NDArray guided = IntraChannelEncoder.norm(guidedNorm, store,
                audio.add(gateValue.mul(IntraChannelEncoder.drop(crossDropout, store, cross, training))), training);
        NDArray guidedPooled = maskedMean(guided, masks[guide]);

        // Without audio, the guided slot takes the mean of the pooled outputs of the modalities present.
        NDArray othersSum = null;
        NDArray othersCount = null;
        for (int m = 0; m < modalities; m++) {
            if (m != guide) {
                othersSum = othersSum == null ? pooled[m] : othersSum.add(pooled[m]);
                othersCount = othersCount == null ? present[m] : othersCount.add(present[m]);
            }
        }
        NDArray fallback = othersSum.div(othersCount.maximum(1f));
        NDArray hasAudio = present[guide];
        NDArray guidedSlot = guidedPooled.mul(hasAudio).add(fallback.mul(hasAudio.neg().add(1f)));

        NDList slots = new NDList(modalities + 1);
        slots.add(guidedSlot);
        for (NDArray p : pooled) {
            slots.add(p);
        }
        NDArray fused = IntraChannelEncoder.drop(fusedDropout, store, NDArrays.concat(slots, 1), training);
        NDArray h = Activation.relu(hidden.forward(store, new NDList(fused), training).singletonOrThrow());
        h = IntraChannelEncoder.drop(hiddenDropout, store, h, training);
        NDList logits = classifier.forward(store, new NDList(h), training);
        if (pooledLinear == null) {
            return logits;
        }
        NDList means = new NDList(modalities);
        for (int m = 0; m < modalities; m++) {
            means.add(maskedMean(inputs.get(2 * m), masks[m]));
        }
        NDArray pooledInputs = IntraChannelEncoder.drop(pooledDropout, store, NDArrays.concat(means, 1), training);
        NDArray wide = pooledLinear.forward(store, new NDList(pooledInputs), training).singletonOrThrow();
        return new NDList(logits.singletonOrThrow().add(wide));
    }

    /** Mean over the valid tokens; 0 where there are none. (B, T, d), (B, T) → (B, d). */
    static NDArray maskedMean(NDArray x, NDArray mask) {
        NDArray m = mask.expandDims(2);
        return x.mul(m).sum(new int[] {1}).div(mask.sum(new int[] {1}, true).maximum(1f));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), numClasses)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape tokens = new Shape(1, 1, width);
        Shape flat = new Shape(1, width);
        for (int m = 0; m < modalities; m++) {
            projections.get(m).initialize(manager, dataType, new Shape(1, dims[m]));
            for (IntraChannelEncoder layer : encoders.get(m)) {
                layer.initialize(manager, dataType, tokens, new Shape(1, 1));
            }
        }
        crossAttention.initialize(manager, dataType, tokens, tokens, new Shape(1, 1));
        gate.initialize(manager, dataType, new Shape(1, 2L * width));
        crossDropout.initialize(manager, dataType, tokens);
        guidedNorm.initialize(manager, dataType, flat);
        fusedDropout.initialize(manager, dataType, new Shape(1, (modalities + 1L) * width));
        hidden.initialize(manager, dataType, new Shape(1, (modalities + 1L) * width));
        hiddenDropout.initialize(manager, dataType, flat);
        classifier.initialize(manager, dataType, flat);
        if (pooledLinear != null) {
            long pooledWidth = java.util.Arrays.stream(dims).asLongStream().sum();
            pooledDropout.initialize(manager, dataType, new Shape(1, pooledWidth));
            pooledLinear.initialize(manager, dataType, new Shape(1, pooledWidth));
        }
    }

    /** Input shapes for a batch of one token per modality, as {@link #initialize} wants them. */
    static Shape[] inputShapes(TrainSpec spec) {
        int[] d = spec.inputDims();
        Shape[] shapes = new Shape[2 * d.length];
        for (int m = 0; m < d.length; m++) {
            shapes[2 * m] = new Shape(1, 1, d[m]);
            shapes[2 * m + 1] = new Shape(1, 1);
        }
        return shapes;
    }
}
