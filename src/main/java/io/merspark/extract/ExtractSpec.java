package io.merspark.extract;

import io.merspark.config.EncoderContract;
import io.merspark.config.ModelPin;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything executors need to extract features; the only thing a Spark closure of this stage carries (models are
 * loaded on the executors by {@link EncoderCache}). Model locations are absolute paths or {@code classpath:} names.
 *
 * @param modalities       which of video, audio, text to extract
 * @param faceModel        the frame encoder (face_expression.onnx, or an image tower)
 * @param melModel         melspectrogram.onnx (speech-embedding only; null otherwise)
 * @param speechModel      embedding_model_full.onnx (or the 76-frame embedding_model.onnx, or a waveform encoder)
 * @param textModel        the text encoder (the bundled sentence encoder, or a causal LM)
 * @param textTokenizer    its HuggingFace tokenizer.json
 * @param framesPerClip    video frames sampled uniformly per clip
 * @param frameSize        square frame side fed to the frame encoder (112 for the face model)
 * @param videoBatch       clips per face-model batch
 * @param audioBatch       clips per speech-model batch
 * @param textBatch        texts per tokenizer/encoder call
 * @param videoMaxTokens   frame vectors kept in {@code tokens}
 * @param audioMaxTokens   speech windows kept in {@code tokens}
 * @param textMaxTokens    token vectors kept in {@code tokens}
 * @param textMaxLength    tokenizer truncation length
 * @param rowsPerPartition manifest rows per task
 * @param device           "cpu", "gpu" or "auto": each task resolves gpu/auto to the GPU Spark assigned it, or
 *                         the CPU when the engine sees none ({@link TaskDevices})
 * @param threads          ONNX Runtime intra-op threads per model outside Spark tasks; a task uses its
 *                         {@code spark.task.cpus}
 * @param pins             model location → the SHA-256 it must have (locations not named are not checked)
 * @param face             "none" (whole frames) or "detect" (the largest face of each frame, cropped)
 * @param faceDetector     tiny_face_detector.onnx, loaded when {@code face} is "detect"
 * @param framesPerCallCpu most video frames in one face-model call on a CPU task (independent of videoBatch, the
 *                         clips decoded together): small tensors stay in the caches
 * @param framesPerCallGpu the same on a GPU task: large tensors fill the device
 * @param windowsPerCallCpu most speech windows in one speech-model call on a CPU task: a longer clip goes through
 *                         in chunks (the same window outputs), short clips of the 76-frame model share a call
 * @param windowsPerCallGpu the same on a GPU task
 * @param partitionsPerCore least partitions per core of the application, whatever rowsPerPartition says
 * @param videoEncoder     how faceModel is fed and read (its kind: face-expression or image-tower)
 * @param audioEncoder     how speechModel is fed and read (speech-embedding with melModel, or waveform)
 * @param textEncoder      how textModel is fed and read (sentence or causal-lm)
 */
public record ExtractSpec(
        Set<Modality> modalities,
        String faceModel,
        String melModel,
        String speechModel,
        String textModel,
        String textTokenizer,
        int framesPerClip,
        int frameSize,
        int videoBatch,
        int audioBatch,
        int textBatch,
        int videoMaxTokens,
        int audioMaxTokens,
        int textMaxTokens,
        int textMaxLength,
        int rowsPerPartition,
        String device,
        int threads,
        Map<String, ModelPin> pins,
        String face,
        String faceDetector,
        int framesPerCallCpu,
        int framesPerCallGpu,
        int windowsPerCallCpu,
        int windowsPerCallGpu,
        int partitionsPerCore,
        EncoderContract.Image videoEncoder,
        EncoderContract.Waveform audioEncoder,
        EncoderContract.Text textEncoder) implements Serializable {

    /** Measured best on this 2-core CPU machine (bench extract) and a large cap for a GPU. */
    public static final int DEFAULT_FRAMES_PER_CALL_CPU = 1;
    public static final int DEFAULT_FRAMES_PER_CALL_GPU = 512;
    /** One typical clip (2–5 s: 25–60 windows) per call on a CPU; thousands of windows on a GPU. */
    public static final int DEFAULT_WINDOWS_PER_CALL_CPU = 64;
    public static final int DEFAULT_WINDOWS_PER_CALL_GPU = 4096;

    /** The spec with the default per-call caps. */
    public ExtractSpec(Set<Modality> modalities, String faceModel, String melModel, String speechModel,
                       String textModel, String textTokenizer, int framesPerClip, int frameSize, int videoBatch,
                       int audioBatch, int textBatch, int videoMaxTokens, int audioMaxTokens, int textMaxTokens,
                       int textMaxLength, int rowsPerPartition, String device, int threads,
                       Map<String, ModelPin> pins) {
        this(modalities, faceModel, melModel, speechModel, textModel, textTokenizer, framesPerClip, frameSize,
                videoBatch, audioBatch, textBatch, videoMaxTokens, audioMaxTokens, textMaxTokens, textMaxLength,
                rowsPerPartition, device, threads, pins, "none", null, DEFAULT_FRAMES_PER_CALL_CPU, DEFAULT_FRAMES_PER_CALL_GPU,
                DEFAULT_WINDOWS_PER_CALL_CPU, DEFAULT_WINDOWS_PER_CALL_GPU, 3,
                EncoderContract.Image.faceExpression(), EncoderContract.Waveform.speechEmbedding(),
                EncoderContract.Text.sentence());
    }

    /** The spec with face detection as given and the default per-call caps. */
    public ExtractSpec(Set<Modality> modalities, String faceModel, String melModel, String speechModel,
                       String textModel, String textTokenizer, int framesPerClip, int frameSize, int videoBatch,
                       int audioBatch, int textBatch, int videoMaxTokens, int audioMaxTokens, int textMaxTokens,
                       int textMaxLength, int rowsPerPartition, String device, int threads,
                       Map<String, ModelPin> pins, String face, String faceDetector) {
        this(modalities, faceModel, melModel, speechModel, textModel, textTokenizer, framesPerClip, frameSize,
                videoBatch, audioBatch, textBatch, videoMaxTokens, audioMaxTokens, textMaxTokens, textMaxLength,
                rowsPerPartition, device, threads, pins, face, faceDetector, DEFAULT_FRAMES_PER_CALL_CPU,
                DEFAULT_FRAMES_PER_CALL_GPU,
                DEFAULT_WINDOWS_PER_CALL_CPU, DEFAULT_WINDOWS_PER_CALL_GPU, 3,
                EncoderContract.Image.faceExpression(), EncoderContract.Waveform.speechEmbedding(),
                EncoderContract.Text.sentence());
    }

    public ExtractSpec {
        pins = pins == null ? Map.of() : Map.copyOf(pins);
        if (modalities == null || modalities.isEmpty()) {
            throw new IllegalArgumentException("extract.modalities: at least one of video, audio, text");
        }
        modalities = Set.copyOf(modalities);
        require(framesPerClip, "framesPerClip");
        require(videoBatch, "videoBatch");
        require(audioBatch, "audioBatch");
        require(textBatch, "textBatch");
        require(videoMaxTokens, "videoMaxTokens");
        require(audioMaxTokens, "audioMaxTokens");
        require(textMaxTokens, "textMaxTokens");
        require(textMaxLength, "textMaxLength");
        require(rowsPerPartition, "rowsPerPartition");
        require(threads, "threads");
        require(framesPerCallCpu, "framesPerCallCpu");
        require(framesPerCallGpu, "framesPerCallGpu");
        require(windowsPerCallCpu, "windowsPerCallCpu");
        require(windowsPerCallGpu, "windowsPerCallGpu");
        require(partitionsPerCore, "partitionsPerCore");
        if (videoEncoder == null || audioEncoder == null || textEncoder == null) {
            throw new IllegalArgumentException("encoder contracts are missing");
        }
        require(frameSize, "frameSize");
        if (videoEncoder.isFaceExpression() && frameSize != FaceExpressionEncoder.IMAGE_SIZE) {
            throw new IllegalArgumentException("frameSize: the face model takes " + FaceExpressionEncoder.IMAGE_SIZE
                    + " px frames, got " + frameSize);
        }
        if (!"none".equals(face) && !"detect".equals(face)) {
            throw new IllegalArgumentException("face: none or detect, got " + face);
        }
        if (!"cpu".equals(device) && !"gpu".equals(device) && !"auto".equals(device)) {
            throw new IllegalArgumentException("device: cpu, gpu or auto, got " + device);
        }
        if (modalities.contains(Modality.AUDIO) && audioEncoder.isSpeechEmbedding()
                && (melModel == null || melModel.isBlank())) {
            throw new IllegalArgumentException("model location for audio (the mel front-end) is missing");
        }
        for (Modality m : modalities) {
            for (String location : locations(m, faceModel, melModel, speechModel, textModel, textTokenizer,
                    "detect".equals(face) ? faceDetector : null)) {
                if (location == null || location.isBlank()) {
                    throw new IllegalArgumentException("model location for " + m.key() + " is missing");
                }
            }
        }
    }

    private List<String> locations(Modality m) {
        return locations(m, faceModel, melModel, speechModel, textModel, textTokenizer,
                detectsFaces() ? faceDetector : null);
    }

    /** Static, for the compact constructor (its fields are not assigned yet); {@code detector} null = no detection. */
    private static List<String> locations(Modality m, String face, String mel, String speech, String text,
                                          String tokenizer, String detector) {
        return switch (m) {
            case VIDEO -> detector != null ? java.util.Arrays.asList(face, detector) : java.util.Arrays.asList(face);
            case AUDIO -> mel != null ? java.util.Arrays.asList(mel, speech) : java.util.Arrays.asList(speech);
            case TEXT -> java.util.Arrays.asList(text, tokenizer);
        };
    }

    /** True when frames are face crops ({@code mer.extract.video.face = detect}). */
    public boolean detectsFaces() {
        return "detect".equals(face);
    }

    /** The same spec with face detection on ({@code detect}, the detector at {@code detector}) or off. */
    public ExtractSpec withFace(String mode, String detector) {
        return new ExtractSpec(modalities, faceModel, melModel, speechModel, textModel, textTokenizer, framesPerClip,
                frameSize, videoBatch, audioBatch, textBatch, videoMaxTokens, audioMaxTokens, textMaxTokens,
                textMaxLength, rowsPerPartition, device, threads, pins, mode, detector, framesPerCallCpu,
                framesPerCallGpu, windowsPerCallCpu, windowsPerCallGpu, partitionsPerCore, videoEncoder, audioEncoder, textEncoder);
    }

    /** The model locations the extraction of {@code modalities} loads, in modality order. */
    public List<String> modelLocations() {
        List<String> out = new java.util.ArrayList<>();
        for (Modality m : Modality.values()) {
            if (modalities.contains(m)) {
                out.addAll(locations(m));
            }
        }
        return out;
    }

    /**
     * The defaults: all modalities; the face and speech models from {@code modelsDir} (the repository's
     * {@code models/}), the sentence encoder from the classpath; 8 frames of 112 px, batches of 32, tokens kept
     * video 8 / audio 48 / text 32, text truncated at 128 tokens, 64 rows per partition, cpu, 1 thread.
     */
    public static ExtractSpec defaults(Path modelsDir) {
        Path dir = modelsDir.toAbsolutePath();
        return new ExtractSpec(EnumSet.allOf(Modality.class),
                dir.resolve("face-expression/face_expression.onnx").toString(),
                dir.resolve("speech-embedding/melspectrogram.onnx").toString(),
                dir.resolve("speech-embedding/embedding_model_full.onnx").toString(),
                SentenceEncoder.DEFAULT_MODEL, SentenceEncoder.DEFAULT_TOKENIZER,
                8, FaceExpressionEncoder.IMAGE_SIZE, 32, 32, 32, 8, 48, 32, 128, 64, "cpu", 1, Map.of(), "none",
                dir.resolve("face-detector/tiny_face_detector.onnx").toString());
    }

    public ExtractSpec withModalities(Set<Modality> m) {
        return new ExtractSpec(m, faceModel, melModel, speechModel, textModel, textTokenizer, framesPerClip,
                frameSize, videoBatch, audioBatch, textBatch, videoMaxTokens, audioMaxTokens, textMaxTokens,
                textMaxLength, rowsPerPartition, device, threads, pins, face, faceDetector, framesPerCallCpu,
                framesPerCallGpu, windowsPerCallCpu, windowsPerCallGpu, partitionsPerCore, videoEncoder, audioEncoder, textEncoder);
    }

    public ExtractSpec withRowsPerPartition(int rows) {
        return new ExtractSpec(modalities, faceModel, melModel, speechModel, textModel, textTokenizer, framesPerClip,
                frameSize, videoBatch, audioBatch, textBatch, videoMaxTokens, audioMaxTokens, textMaxTokens,
                textMaxLength, rows, device, threads, pins, face, faceDetector, framesPerCallCpu,
                framesPerCallGpu, windowsPerCallCpu, windowsPerCallGpu, partitionsPerCore, videoEncoder, audioEncoder, textEncoder);
    }

    public ExtractSpec withBatchSize(int batch) {
        return new ExtractSpec(modalities, faceModel, melModel, speechModel, textModel, textTokenizer, framesPerClip,
                frameSize, batch, batch, batch, videoMaxTokens, audioMaxTokens, textMaxTokens, textMaxLength,
                rowsPerPartition, device, threads, pins, face, faceDetector, framesPerCallCpu,
                framesPerCallGpu, windowsPerCallCpu, windowsPerCallGpu, partitionsPerCore, videoEncoder, audioEncoder, textEncoder);
    }

    public ExtractSpec withDevice(String d) {
        return new ExtractSpec(modalities, faceModel, melModel, speechModel, textModel, textTokenizer, framesPerClip,
                frameSize, videoBatch, audioBatch, textBatch, videoMaxTokens, audioMaxTokens, textMaxTokens,
                textMaxLength, rowsPerPartition, d, threads, pins, face, faceDetector, framesPerCallCpu,
                framesPerCallGpu, windowsPerCallCpu, windowsPerCallGpu, partitionsPerCore, videoEncoder, audioEncoder, textEncoder);
    }

    /**
     * Relative model paths made absolute against this JVM's working directory. For masters whose executors
     * share this machine's filesystem but not its working directory ({@code local-cluster}); on a cluster the
     * relative paths stay, and resolve where {@code --archives} unpacked the models.
     */
    public ExtractSpec withAbsoluteModelPaths() {
        Map<String, ModelPin> absolutePins = new java.util.HashMap<>();
        pins.forEach((location, pin) -> absolutePins.put(absolute(location), pin));
        return new ExtractSpec(modalities, absolute(faceModel), absolute(melModel), absolute(speechModel),
                absolute(textModel), absolute(textTokenizer), framesPerClip, frameSize, videoBatch, audioBatch,
                textBatch, videoMaxTokens, audioMaxTokens, textMaxTokens, textMaxLength, rowsPerPartition, device,
                threads, absolutePins, face, absolute(faceDetector), framesPerCallCpu,
                framesPerCallGpu, windowsPerCallCpu, windowsPerCallGpu, partitionsPerCore, videoEncoder, audioEncoder, textEncoder);
    }

    /** The same spec with model pins (location → expected SHA-256). */
    public ExtractSpec withPins(Map<String, ModelPin> p) {
        return new ExtractSpec(modalities, faceModel, melModel, speechModel, textModel, textTokenizer, framesPerClip,
                frameSize, videoBatch, audioBatch, textBatch, videoMaxTokens, audioMaxTokens, textMaxTokens,
                textMaxLength, rowsPerPartition, device, threads, p, face, faceDetector, framesPerCallCpu,
                framesPerCallGpu, windowsPerCallCpu, windowsPerCallGpu, partitionsPerCore, videoEncoder, audioEncoder, textEncoder);
    }

    /**
     * The local file of a model location in this JVM, hashed and checked against its pin if it has one: on the
     * driver before any work, and on each executor where the model is loaded.
     *
     * @throws io.merspark.io.ModelIntegrityException a pinned file with another digest
     * @throws IllegalArgumentException                a model file or resource that is not there
     */
    public Path model(String location) {
        return ModelFiles.resolve(location, pins.get(location));
    }

    private static String absolute(String location) {
        if (location == null || location.startsWith(ModelFiles.CLASSPATH) || location.contains("://")) {
            return location;
        }
        return java.nio.file.Paths.get(location).toAbsolutePath().normalize().toString();
    }

    /** The same spec with other per-call frame caps. */
    public ExtractSpec withFramesPerCall(int cpu, int gpu) {
        return new ExtractSpec(modalities, faceModel, melModel, speechModel, textModel, textTokenizer, framesPerClip,
                frameSize, videoBatch, audioBatch, textBatch, videoMaxTokens, audioMaxTokens, textMaxTokens,
                textMaxLength, rowsPerPartition, device, threads, pins, face, faceDetector, cpu, gpu,
                windowsPerCallCpu, windowsPerCallGpu, partitionsPerCore, videoEncoder, audioEncoder, textEncoder);
    }

    /** The same spec with another least number of partitions per core. */
    public ExtractSpec withPartitionsPerCore(int perCore) {
        return new ExtractSpec(modalities, faceModel, melModel, speechModel, textModel, textTokenizer, framesPerClip,
                frameSize, videoBatch, audioBatch, textBatch, videoMaxTokens, audioMaxTokens, textMaxTokens,
                textMaxLength, rowsPerPartition, device, threads, pins, face, faceDetector, framesPerCallCpu,
                framesPerCallGpu, windowsPerCallCpu, windowsPerCallGpu, perCore, videoEncoder, audioEncoder, textEncoder);
    }

    /** The per-call frame cap of a task running on {@code device}. */
    public int framesPerCall(ai.djl.Device device) {
        return device.isGpu() ? framesPerCallGpu : framesPerCallCpu;
    }

    /** Most speech windows in one speech-model call on this device. */
    public int windowsPerCall(ai.djl.Device device) {
        return device.isGpu() ? windowsPerCallGpu : windowsPerCallCpu;
    }

    /** The same spec with other per-call speech-window caps. */
    public ExtractSpec withWindowsPerCall(int cpu, int gpu) {
        return new ExtractSpec(modalities, faceModel, melModel, speechModel, textModel, textTokenizer, framesPerClip,
                frameSize, videoBatch, audioBatch, textBatch, videoMaxTokens, audioMaxTokens, textMaxTokens,
                textMaxLength, rowsPerPartition, device, threads, pins, face, faceDetector, framesPerCallCpu,
                framesPerCallGpu, cpu, gpu, partitionsPerCore, videoEncoder, audioEncoder, textEncoder);
    }

    public int batchSize(Modality m) {
        return switch (m) {
            case VIDEO -> videoBatch;
            case AUDIO -> audioBatch;
            case TEXT -> textBatch;
        };
    }

    public int maxTokens(Modality m) {
        return switch (m) {
            case VIDEO -> videoMaxTokens;
            case AUDIO -> audioMaxTokens;
            case TEXT -> textMaxTokens;
        };
    }

    private static void require(int value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }
}
