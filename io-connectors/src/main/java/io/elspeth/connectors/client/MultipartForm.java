package io.elspeth.connectors.client;

import io.elspeth.audit.canonical.CanonicalJson;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A {@code multipart/form-data} body of text fields and one file part, with its content type (the
 * boundary) and what a call records of it: the fields, and the file's field, name, size and SHA-256
 * (not its content).
 */
record MultipartForm(String contentType, byte[] body, Map<String, Object> recorded) {
  static MultipartForm of(
      Map<String, String> fields, String fileField, String fileName, byte[] file) {
    String boundary = "elspeth-" + UUID.randomUUID().toString().replace("-", "");
    ByteArrayOutputStream body = new ByteArrayOutputStream(file.length + 512);
    StringBuilder head = new StringBuilder();
    fields.forEach(
        (k, v) ->
            head.append("--")
                .append(boundary)
                .append("\r\n")
                .append("Content-Disposition: form-data; name=\"")
                .append(k)
                .append("\"\r\n\r\n")
                .append(v)
                .append("\r\n"));
    head.append("--")
        .append(boundary)
        .append("\r\n")
        .append("Content-Disposition: form-data;" + " name=\"")
        .append(fileField)
        .append("\"; filename=\"")
        .append(fileName)
        .append("\"\r\nContent-Type: application/octet-stream\r\n\r\n");
    body.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
    body.writeBytes(file);
    body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    Map<String, Object> multipart = new LinkedHashMap<>(fields);
    Map<String, Object> filePart = new LinkedHashMap<>();
    filePart.put("field", fileField);
    filePart.put("filename", fileName);
    filePart.put("bytes", file.length);
    filePart.put("sha256", CanonicalJson.sha256Hex(file));
    multipart.put("file", filePart);
    return new MultipartForm(
        "multipart/form-data; boundary=" + boundary, body.toByteArray(), multipart);
  }
}
