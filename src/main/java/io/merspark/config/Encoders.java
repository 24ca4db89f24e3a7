package io.merspark.config;

import com.typesafe.config.Config;
import io.merspark.io.Sha256;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@code mer.extract.{video,audio,text}.encoder}: per kind, the model files (checked to exist when the modality
 * is extracted, their {@code -sha256} pins collected) and the contract. Defaults of the open kinds are the Hugging
 * Face export names, so a plain {@code torch.onnx.export} of a transformers model needs only kind and model.
 */
final class Encoders {

    static final String VIDEO = "mer.extract.video.encoder";
    static final String AUDIO = "mer.extract.audio.encoder";
    static final String TEXT = "mer.extract.text.encoder";

    private static final Map<String, Set<String>> VIDEO_KINDS = Map.of(
            "face-expression", Set.of("model", "model-sha256", "size"),
            "image-tower", Set.of("model", "model-sha256", "size", "input", "output", "fit", "channels", "range",
                    "mean", "std"));
    private static final Map<String, Set<String>> AUDIO_KINDS = Map.of(
            "speech-embedding", Set.of("model", "model-sha256", "mel-model", "mel-model-sha256"),
            "waveform", Set.of("model", "model-sha256", "input", "output", "normalize", "chunk-seconds", "layers"));
    private static final Map<String, Set<String>> TEXT_KINDS = Map.of(
            "sentence", Set.of("model", "model-sha256", "tokenizer", "tokenizer-sha256", "max-length", "pooling",
                    "input-ids", "attention-mask", "output"),
            "causal-lm", Set.of("model", "model-sha256", "tokenizer", "tokenizer-sha256", "max-length", "pooling",
                    "padding-side", "layer", "input-ids", "attention-mask", "output"));

    /** CLIP's image normalisation (openai/clip-vit-large-patch14 preprocessor_config.json). */
    static final List<Double> CLIP_MEAN = List.of(0.48145466, 0.4578275, 0.40821073);
    static final List<Double> CLIP_STD = List.of(0.26862954, 0.26130258, 0.27577711);

    private Encoders() {
    }

    static Settings.VideoSettings video(Config c, Config reference, boolean used, Map<String, ModelPin> pins,
                                        String face) {
        EncoderConfig e = EncoderConfig.of(c, reference, VIDEO, VIDEO_KINDS);
        String model = model(e, "model", used, pins);
        EncoderContract.Image contract;
        int size;
        if (e.kind().equals("face-expression")) {
            size = e.integer("size", 112, 1);
            if (size != 112) {
                throw new SettingsException(e.key("size") + ": the face-expression model takes 112 px, got " + size);
            }
            contract = EncoderContract.Image.faceExpression();
        } else {
            size = e.integer("size", 224, 1);
            contract = new EncoderContract.Image(e.kind(), e.string("input", "pixel_values"),
                    e.string("output", "image_embeds"), e.oneOf("fit", "crop", Set.of("crop", "pad")),
                    e.oneOf("channels", "rgb", Set.of("rgb", "bgr")), e.integer("range", 1, 1),
                    e.channels("mean", CLIP_MEAN, false), e.channels("std", CLIP_STD, true));
            if (contract.range() != 1 && contract.range() != 255) {
                throw new SettingsException(e.key("range") + " must be 1 (0..1) or 255 (0..255), got "
                        + contract.range());
            }
        }
        String faceModel = Settings.modelPath(c, "mer.extract.video.face-model", used && "detect".equals(face));
        Settings.pin(c, "mer.extract.video.face-model", faceModel, pins);
        return new Settings.VideoSettings(contract, model,
                Settings.positive(c, "mer.extract.video.frames"), size,
                Settings.positive(c, "mer.extract.video.batch-size"),
                Settings.positive(c, "mer.extract.video.max-tokens"), face, faceModel,
                Settings.positive(c, "mer.extract.video.frames-per-call.cpu"),
                Settings.positive(c, "mer.extract.video.frames-per-call.gpu"));
    }

    static Settings.AudioSettings audio(Config c, Config reference, boolean used, Map<String, ModelPin> pins) {
        EncoderConfig e = EncoderConfig.of(c, reference, AUDIO, AUDIO_KINDS);
        String model = model(e, "model", used, pins);
        EncoderContract.Waveform contract;
        String mel = null;
        if (e.kind().equals("speech-embedding")) {
            mel = model(e, "mel-model", used, pins);
            contract = EncoderContract.Waveform.speechEmbedding();
        } else {
            contract = new EncoderContract.Waveform(e.kind(), e.string("input", "input_values"),
                    e.string("output", "last_hidden_state"), e.bool("normalize", true),
                    e.positive("chunk-seconds", 10), e.integer("layers", 0, 0));
        }
        return new Settings.AudioSettings(contract, mel, model,
                Settings.positive(c, "mer.extract.audio.batch-size"),
                Settings.positive(c, "mer.extract.audio.max-tokens"),
                Settings.positive(c, "mer.extract.audio.windows-per-call.cpu"),
                Settings.positive(c, "mer.extract.audio.windows-per-call.gpu"));
    }

    static Settings.TextSettings text(Config c, Config reference, boolean used, Map<String, ModelPin> pins) {
        EncoderConfig e = EncoderConfig.of(c, reference, TEXT, TEXT_KINDS);
        String model = model(e, "model", used, pins);
        String tokenizer = model(e, "tokenizer", used, pins);
        EncoderContract.Text contract;
        int maxLength;
        if (e.kind().equals("sentence")) {
            maxLength = e.integer("max-length", 128, 1);
            contract = new EncoderContract.Text(e.kind(), e.string("input-ids", "input_ids"),
                    e.string("attention-mask", "attention_mask"), e.string("output", "last_hidden_state"),
                    e.oneOf("pooling", "mean", Set.of("mean", "cls")), "right", -1);
        } else {
            maxLength = e.integer("max-length", 512, 1);
            contract = new EncoderContract.Text(e.kind(), e.string("input-ids", "input_ids"),
                    e.string("attention-mask", "attention_mask"), e.string("output", "last_hidden_state"),
                    e.oneOf("pooling", "last", Set.of("last", "mean")),
                    e.oneOf("padding-side", "left", Set.of("left", "right")), e.integer("layer", -1, -1));
        }
        return new Settings.TextSettings(contract, model, tokenizer, maxLength,
                Settings.positive(c, "mer.extract.text.batch-size"),
                Settings.positive(c, "mer.extract.text.max-tokens"));
    }

    /** A required model file of the kind (checked to exist when {@code used}) and its pin, if one is set. */
    private static String model(EncoderConfig e, String key, boolean used, Map<String, ModelPin> pins) {
        String location = Settings.modelPath(e.key(key), e.required(key), used);
        String pinKey = e.key(key + "-sha256");
        String digest = e.string(key + "-sha256", "").trim().toLowerCase(java.util.Locale.ROOT);
        if (!digest.isEmpty()) {
            if (!Sha256.isDigest(digest)) {
                throw new SettingsException(pinKey + ": expected 64 hex digits (sha256sum of the file), got '"
                        + digest + "'");
            }
            pins.put(location, new ModelPin(pinKey, digest));
        }
        return location;
    }
}
