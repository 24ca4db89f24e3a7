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
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.PairList;

import java.util.ArrayList;
import java.util.List;

/**
 * The attention-fusion baseline of the MER tool chain, with masking for missing modalities.
 *
 * <pre>
 * for each modality m:   h_m = ReLU(Linear(Dropout(ReLU(Linear(x_m)))))         (B, hidden)
 * score:                 s_m = w·h_m + b      (one Linear(hidden → 1) shared by all modalities)
 * mask:                  s_m = s_m − 1e9 where modality m is missing
 * attention:             α = softmax_m(s)                                        (B, M)
 * fusion:                f = Σ_m α_m h_m                                         (B, hidden)
 * classifier:            logits = Linear(Dropout(f))                             (B, classes)
 * </pre>
 *
 * The tool chain computes α from the concatenated hidden vectors, which needs every modality; scoring each
 * modality on its own lets a missing one be masked out so the weights renormalise over what is present.
 * A missing modality's α is exactly 0, so its (zero-filled) input neither affects the output nor receives
 * gradient. A sample with no modality at all gets uniform weights over encodings of zeros: finite, but
 * meaningless; the trainer rejects such rows.
 *
 * <p>Input {@link NDList}: one {@code (B, D_m)} float tensor per modality, in spec order, then the
 * {@code (B, M)} presence mask (1 present, 0 missing). Output: {@code (B, classes)} logits.
 */
public final class AttentionFusionBlock extends AbstractBlock {

    /**
     * PyTorch's nn.Linear default, U(±1/sqrt(fan_in)), as in the tool chain's model; DJL's default Xavier is
     * wider and starts training with needlessly large logits. Shared by the fusion models.
     */
    static final XavierInitializer TORCH_LINEAR_INIT =
            new XavierInitializer(XavierInitializer.RandomType.UNIFORM, XavierInitializer.FactorType.IN, 1f);

    private static final byte VERSION = 1;
    private static final float MASKED_SCORE = 1e9f;

    private final int numClasses;
    private final int hidden;
    private final List<SequentialBlock> encoders = new ArrayList<>();
    private final Linear attentionScore;
    private final Dropout fusedDropout;
    private final Linear classifier;

    public AttentionFusionBlock(TrainSpec spec) {
        super(VERSION);
        this.numClasses = spec.numClasses();
        this.hidden = spec.hidden();
        float rate = (float) spec.dropout();
        for (String modality : spec.modalities()) {
            SequentialBlock encoder = new SequentialBlock()
                    .add(Linear.builder().setUnits(hidden).build())
                    .add(Activation::relu)
                    .add(Dropout.builder().optRate(rate).build())
                    .add(Linear.builder().setUnits(hidden).build())
                    .add(Activation::relu);
            encoders.add(addChildBlock("encoder_" + modality, encoder));
        }
        attentionScore = addChildBlock("attention_score", Linear.builder().setUnits(1).build());
        fusedDropout = addChildBlock("fused_dropout", Dropout.builder().optRate(rate).build());
        classifier = addChildBlock("classifier", Linear.builder().setUnits(numClasses).build());
        setInitializer(TORCH_LINEAR_INIT, Parameter.Type.WEIGHT);
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        int m = encoders.size();
        if (inputs.size() != m + 1) {
            throw new IllegalArgumentException("expected " + m + " modality tensors and a mask, got " + inputs.size());
        }
        NDArray mask = inputs.get(m);
        NDList hiddens = new NDList(m);
        for (int i = 0; i < m; i++) {
            hiddens.add(encoders.get(i).forward(store, new NDList(inputs.get(i)), training, params).singletonOrThrow());
        }
        NDArray stacked = NDArrays.stack(hiddens, 1);                       // (B, M, hidden)
        long batch = stacked.getShape().get(0);
        NDArray scores = attentionScore
                .forward(store, new NDList(stacked.reshape(batch * m, hidden)), training)
                .singletonOrThrow()
                .reshape(batch, m);                                          // (B, M)
        NDArray alpha = scores.add(mask.sub(1f).mul(MASKED_SCORE)).softmax(1);
        NDArray fused = stacked.mul(alpha.expandDims(2)).sum(new int[] {1}); // (B, hidden)
        NDArray dropped = fusedDropout.forward(store, new NDList(fused), training).singletonOrThrow();
        return classifier.forward(store, new NDList(dropped), training);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), numClasses)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        long batch = inputShapes[0].get(0);
        for (int i = 0; i < encoders.size(); i++) {
            encoders.get(i).initialize(manager, dataType, inputShapes[i]);
        }
        attentionScore.initialize(manager, dataType, new Shape(batch * encoders.size(), hidden));
        fusedDropout.initialize(manager, dataType, new Shape(batch, hidden));
        classifier.initialize(manager, dataType, new Shape(batch, hidden));
    }

    /** Input shapes for a batch of one, as {@link #initialize} wants them. */
    static Shape[] inputShapes(TrainSpec spec) {
        int[] dims = spec.inputDims();
        Shape[] shapes = new Shape[dims.length + 1];
        for (int i = 0; i < dims.length; i++) {
            shapes[i] = new Shape(1, dims[i]);
        }
        shapes[dims.length] = new Shape(1, dims.length);
        return shapes;
    }
}
