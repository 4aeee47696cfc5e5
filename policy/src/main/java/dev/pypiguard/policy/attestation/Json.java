package dev.pypiguard.policy.attestation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Base64;

/** Small helpers to read the JSON documents of this package with precise error messages. */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  static JsonNode parse(String json, String what) {
    try {
      JsonNode node = MAPPER.readTree(json);
      if (node == null || !node.isObject()) {
        throw new AttestationFormatException(what + ": not a JSON object");
      }
      return node;
    } catch (IOException e) {
      throw new AttestationFormatException(what + ": not valid JSON: " + e.getMessage(), e);
    }
  }

  /** A required field, as an object. */
  static JsonNode object(JsonNode node, String field, String what) {
    JsonNode value = node.get(field);
    if (value == null || !value.isObject()) {
      throw new AttestationFormatException(what + ": missing object '" + field + "'");
    }
    return value;
  }

  /** A required field, as an array. */
  static JsonNode array(JsonNode node, String field, String what) {
    JsonNode value = node.get(field);
    if (value == null || !value.isArray()) {
      throw new AttestationFormatException(what + ": missing array '" + field + "'");
    }
    return value;
  }

  /** A required field, as text. */
  static String text(JsonNode node, String field, String what) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw new AttestationFormatException(what + ": missing string '" + field + "'");
    }
    return value.asText();
  }

  /** An optional text field; JSON null and absence both read as empty. */
  static java.util.Optional<String> optionalText(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || !value.isTextual()
        ? java.util.Optional.empty()
        : java.util.Optional.of(value.asText());
  }

  /**
   * A required integer field. Sigstore's protobuf JSON mapping writes int64 values as strings
   * (proto3 JSON mapping), PEP 740 documents write small integers as numbers; both are accepted.
   */
  static long integer(JsonNode node, String field, String what) {
    JsonNode value = node.get(field);
    if (value != null && value.isIntegralNumber()) {
      return value.asLong();
    }
    if (value != null && value.isTextual()) {
      try {
        return Long.parseLong(value.asText());
      } catch (NumberFormatException e) {
        // fall through to the error below
      }
    }
    throw new AttestationFormatException(what + ": missing integer '" + field + "'");
  }

  /** A required base64 (RFC 4648 §4, padded) field, decoded. */
  static byte[] base64(JsonNode node, String field, String what) {
    String text = text(node, field, what);
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new AttestationFormatException(what + ": '" + field + "' is not base64", e);
    }
  }
}
