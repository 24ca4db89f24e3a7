package io.merspark.config;

import java.io.Serializable;
import java.util.List;

/**
 * How an encoder file is fed and read, per modality: the {@code kind} and the options of that kind (input and output
 * names, preprocessing, pooling). Model locations and their pins are not part of a contract: they travel with the
 * extraction spec, which rewrites paths for executors.
 */
public final class EncoderContract {

    private EncoderContract() {
    }

    /**
     * Video: {@code face-expression} (the bundled FaceExpressionNet: input {@code image}, raw 0..255 RGB, padded
     * frames) or {@code image-tower} (a CLIP/ViT-style tower).
     *
     * @param fit      pad (letterbox the whole frame to a square) or crop (resize the short side, centre crop)
     * @param channels rgb or bgr: the order of the input's channel axis
     * @param range    1 (pixels scaled to 0..1 before mean/std) or 255 (raw 0..255)
     * @param mean     per channel, in the input's channel order, subtracted after scaling
     * @param std      per channel, divided after subtracting the mean
     */
    public record Image(String kind, String input, String output, String fit, String channels, int range,
                        List<Double> mean, List<Double> std) implements Serializable {
        public Image {
            mean = List.copyOf(mean);
            std = List.copyOf(std);
        }

        public boolean isFaceExpression() {
            return "face-expression".equals(kind);
        }

        /** The bundled face-expression model's contract. */
        public static Image faceExpression() {
            return new Image("face-expression", "image", "embedding", "pad", "rgb", 255, List.of(0.0, 0.0, 0.0),
                    List.of(1.0, 1.0, 1.0));
        }
    }

    /**
     * Audio: {@code speech-embedding} (the bundled mel + embedding pair) or {@code waveform} (HuBERT / wav2vec2 /
     * WavLM: raw 16 kHz samples in, one frame every 320 samples out).
     *
     * @param normalize    zero mean, unit variance per utterance before the model (do_normalize of HF exports)
     * @param chunkSeconds long audio is encoded in chunks of this length and the frames concatenated
     * @param layers       0 = the output named {@code output}; N = the sum of the last N hidden states (every
     *                     output after the first, in order, when the export returns all hidden states)
     */
    public record Waveform(String kind, String input, String output, boolean normalize, double chunkSeconds,
                           int layers) implements Serializable {
        public boolean isSpeechEmbedding() {
            return "speech-embedding".equals(kind);
        }

        public static Waveform speechEmbedding() {
            return new Waveform("speech-embedding", "input", "conv2d_19", false, 0, 0);
        }
    }

    /**
     * Text: {@code sentence} (an encoder-only model, one text per pass) or {@code causal-lm} (a decoder-only LM,
     * texts padded into batches on {@code paddingSide}).
     *
     * @param pooling     sentence: mean or cls; causal-lm: last (the last real token) or mean
     * @param paddingSide causal-lm: left or right
     * @param layer       -1 = the output named {@code output}; k = hidden state k (outputs after the first)
     */
    public record Text(String kind, String inputIds, String attentionMask, String output, String pooling,
                       String paddingSide, int layer) implements Serializable {
        public boolean isSentence() {
            return "sentence".equals(kind);
        }

        public static Text sentence() {
            return new Text("sentence", "input_ids", "attention_mask", "last_hidden_state", "mean", "right", -1);
        }
    }
}
