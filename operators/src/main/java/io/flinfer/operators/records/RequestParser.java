package io.flinfer.operators.records;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Turns the bytes of one OpenAI Batch API line into a {@link ParsedRecord}: a valid
 * {@link InferenceRequest}, a {@link ParsedRecord.BadRequest} for its {@code custom_id}, or
 * {@link ParsedRecord.NotARequest} for bytes that cannot be answered at all. Never throws for bad
 * input. Serializable so a Flink function can hold one.
 */
public final class RequestParser implements Serializable {
    private static final long serialVersionUID = 1L;

    /** 1 MiB: far above any prompt a model here can take, far below what hurts a task's heap. */
    public static final int DEFAULT_MAX_RECORD_BYTES = 1 << 20;

    private final int maxRecordBytes;
    /** The models this pipeline serves; the first answers requests that name none. */
    private final List<ServedModel> servedModels;

    /**
     * @param maxRecordBytes larger records are not parsed but dead-lettered
     * @param servedModels the models this pipeline serves, the first for requests that name none; a
     *     request naming another model gets a 404
     */
    public RequestParser(int maxRecordBytes, List<ServedModel> servedModels) {
        if (maxRecordBytes < 1) {
            throw new IllegalArgumentException("maxRecordBytes must be positive, got " + maxRecordBytes);
        }
        this.maxRecordBytes = maxRecordBytes;
        if (servedModels.isEmpty()) {
            throw new IllegalArgumentException("a pipeline serves at least one model");
        }
        this.servedModels = List.copyOf(servedModels);
    }

    public RequestParser(int maxRecordBytes, ServedModel servedModel) {
        this(maxRecordBytes, List.of(Objects.requireNonNull(servedModel, "servedModel")));
    }

    /** A 1 MiB limit. */
    public RequestParser(ServedModel servedModel) {
        this(DEFAULT_MAX_RECORD_BYTES, servedModel);
    }

    public ParsedRecord parse(byte[] record) {
        if (record == null || record.length == 0) {
            return new ParsedRecord.NotARequest(DeadLetterReason.NOT_JSON, "empty record");
        }
        if (record.length > maxRecordBytes) {
            return new ParsedRecord.NotARequest(DeadLetterReason.TOO_LARGE, "record is " + record.length
                    + " bytes, more than the limit of " + maxRecordBytes + " bytes");
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(record);
        } catch (JsonProcessingException e) {
            return new ParsedRecord.NotARequest(DeadLetterReason.NOT_JSON, "not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            return new ParsedRecord.NotARequest(DeadLetterReason.NOT_JSON, "not JSON: " + e.getMessage());
        }
        return parse(root);
    }

    /**
     * The same judgement for a line already read as JSON (the batch job builds a dataset row's
     * request as a tree); a tree has no byte size, so the record size limit does not apply.
     */
    public ParsedRecord parse(JsonNode root) {
        if (root == null || !root.isObject()) {
            return new ParsedRecord.NotARequest(DeadLetterReason.NOT_JSON, "not a JSON object but " + kind(root));
        }
        JsonNode customId = root.get("custom_id");
        if (customId == null || !customId.isTextual() || customId.asText().isBlank()) {
            return new ParsedRecord.NotARequest(DeadLetterReason.NO_CUSTOM_ID, "no custom_id string in the object"
                    + (customId == null ? "" : " (custom_id is " + BodyFields.shown(customId) + ")"));
        }
        try {
            return new ParsedRecord.Valid(request(customId.asText(), (ObjectNode) root));
        } catch (InvalidRequestException e) {
            return new ParsedRecord.BadRequest(customId.asText(), e.error(), e.getMessage());
        }
    }

    private InferenceRequest request(String customId, ObjectNode line) {
        JsonNode method = line.path("method");
        if (!method.isTextual() || !method.asText().equals("POST")) {
            throw new InvalidRequestException("method must be \"POST\", got " + BodyFields.shown(method));
        }
        JsonNode url = line.path("url");
        Endpoint endpoint = Endpoint.fromUrl(url.asText(null)).orElseThrow(() -> new InvalidRequestException(
                "url must be \"" + Endpoint.CHAT.url() + "\" or \"" + Endpoint.COMPLETION.url()
                        + "\", got " + BodyFields.shown(url)));
        JsonNode body = line.path("body");
        BodyFields.require(body.isObject(), "body", "an object (the OpenAI request)", body);
        String model = model(new BodyFields((ObjectNode) body));
        return InferenceRequest.parse(customId, endpoint, model, (ObjectNode) body);
    }

    private String model(BodyFields body) {
        Optional<String> asked = body.string("model");
        if (asked.isPresent() && servedModels.stream().noneMatch(m -> m.serves(asked.get()))) {
            throw new InvalidRequestException(RequestError.MODEL_NOT_FOUND, "The model `" + asked.get()
                    + "` does not exist; this pipeline serves " + servedModels.stream().map(m -> "`" + m.name() + "`")
                    .collect(java.util.stream.Collectors.joining(", ")));
        }
        return asked.orElse(servedModels.get(0).name());
    }

    private static String kind(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> Objects.toString(node.getNodeType()).toLowerCase();
        };
    }
}
