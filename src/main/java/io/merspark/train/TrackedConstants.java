package io.merspark.train;

import ai.djl.ndarray.NDArray;

/**
 * Constants for ops on tensors that autograd tracks. DJL's {@code NDArray.add/sub/mul/div(Number)} wrap the number
 * in a tensor over a Java direct buffer and close that tensor when the op returns, but autograd keeps it for the
 * backward pass (a division's gradient divides by it again). A garbage collection in between frees the buffer and
 * the backward pass reads whatever the memory holds by then: gradients that changed with the JVM's collection
 * timing, trainings that were not reproducible and, now and then, a fold gone NaN
 * ({@code AutogradConstantLifetimeTest}). A constant made here is attached to the tensor's own manager, so it lives
 * as long as the tensor does (for a training batch: until the batch's backward pass and step are done).
 * Masks and other tensors without gradients may keep using the {@code Number} overloads.
 */
final class TrackedConstants {

    private TrackedConstants() {
    }

    /** A scalar tensor of {@code value} on {@code like}'s manager, closed with it. */
    static NDArray scalar(NDArray like, float value) {
        return like.getManager().create(value);
    }
}
