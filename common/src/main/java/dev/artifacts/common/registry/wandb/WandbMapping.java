package dev.artifacts.common.registry.wandb;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.name.Names;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.CollectionInfo;
import dev.artifacts.common.registry.RunInfo;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Response mapping of the W&amp;B backend (GraphQL answers to {@link ArtifactVersion} and {@link
 * CollectionInfo}, metadata, times) and the small helpers every part uses to build variables.
 */
final class WandbMapping {
  private static final String ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  /** IDs of versions read with {@code ttlIsInherited}: their TTL is the team default. */
  final Set<String> inheritedTtl = ConcurrentHashMap.newKeySet();

  /** {@code entity/project/run name} → the RunInfo this process created it for. */
  private final Map<String, RunInfo> runsByName;

  WandbMapping(Map<String, RunInfo> runsByName) {
    this.runsByName = runsByName;
  }

  ArtifactVersion toVersion(
      JsonNode a,
      String entity,
      String project,
      String collection,
      boolean portfolio,
      int versionIndex,
      List<String> aliases) {
    JsonNode seq = a.path("artifactSequence");
    String sourceCollection = null;
    if (portfolio) {
      sourceCollection =
          seq.path("project").path("entity").path("name").asText()
              + "/"
              + seq.path("project").path("name").asText()
              + "/"
              + seq.path("name").asText();
    }
    List<String> tags = new ArrayList<>();
    for (JsonNode t : a.path("tags")) {
      tags.add(t.path("name").asText());
    }
    long ttl = a.path("ttlDurationSeconds").asLong(-1);
    if (a.path("ttlIsInherited").asBoolean(false)) {
      inheritedTtl.add(text(a, "id"));
    }
    JsonNode by = a.path("createdBy");
    String loggedBy = null;
    if ("Run".equals(by.path("__typename").asText())) {
      String runEntity = seq.path("project").path("entity").path("name").asText(entity);
      String runProject = seq.path("project").path("name").asText(project);
      RunInfo ours = runsByName.get(runEntity + "/" + runProject + "/" + by.path("name").asText());
      loggedBy = ours != null ? ours.id() : by.path("name").asText();
    }
    Instant createdAt = time(a.path("createdAt").asText(null));
    Map<String, Object> metadata = new LinkedHashMap<>(metadata(a.get("metadata")));
    Map<String, String> commitProperties =
        commitProperties(metadata.remove(WandbRegistry.COMMIT_PROPERTIES_KEY));
    return new ArtifactVersion(
        text(a, "id"),
        entity,
        project,
        collection,
        a.path("artifactType").path("name").asText(),
        versionIndex,
        text(a, "digest"),
        a.path("state").asText(ArtifactVersion.COMMITTED),
        aliases,
        tags,
        a.path("description").isNull() ? null : a.path("description").asText(null),
        metadata,
        ttl > 0 ? Duration.ofSeconds(ttl) : null,
        a.path("size").asLong(0),
        a.path("fileCount").asLong(0),
        createdAt,
        a.hasNonNull("updatedAt") ? time(a.path("updatedAt").asText()) : createdAt,
        loggedBy,
        sourceCollection,
        portfolio ? a.path("versionIndex").asInt() : versionIndex,
        commitProperties);
  }

  static List<String> aliasesIn(JsonNode artifact, String collection) {
    List<String> aliases = new ArrayList<>();
    for (JsonNode a : artifact.path("aliases")) {
      JsonNode c = a.path("artifactCollection");
      if (c.isMissingNode() || c.isNull() || collection.equals(c.path("name").asText())) {
        aliases.add(a.path("alias").asText());
      }
    }
    return aliases;
  }

  static CollectionInfo toCollection(JsonNode n, String entity, String project, String type) {
    List<String> tags = new ArrayList<>();
    for (JsonNode e : n.path("tags").path("edges")) {
      tags.add(e.path("node").path("name").asText());
    }
    String t = n.path("defaultArtifactType").path("name").asText(type == null ? "" : type);
    return new CollectionInfo(
        entity,
        project,
        n.path("name").asText(),
        t,
        "ArtifactPortfolio".equals(n.path("__typename").asText())
            ? CollectionInfo.Kind.PORTFOLIO
            : CollectionInfo.Kind.SEQUENCE,
        n.path("description").isNull() ? null : n.path("description").asText(null),
        tags,
        n.hasNonNull("createdAt") ? time(n.path("createdAt").asText()) : null,
        n.path("artifacts").path("totalCount").asInt(0));
  }

  /**
   * {@code metadata} plus the commit properties under {@link #WandbRegistry.COMMIT_PROPERTIES_KEY},
   * within W&amp;B's limit of 100 top-level keys.
   */
  static Map<String, Object> withCommitProperties(
      Map<String, Object> metadata, Map<String, String> commitProperties) {
    if (commitProperties.isEmpty()) {
      return metadata;
    }
    if (metadata.containsKey(WandbRegistry.COMMIT_PROPERTIES_KEY)) {
      throw new ArtifactException.InvalidInput(
          "Invalid metadata key '"
              + WandbRegistry.COMMIT_PROPERTIES_KEY
              + "': it is reserved for commit facts");
    }
    if (metadata.size() >= Names.MAX_METADATA_KEYS) {
      throw new ArtifactException.InvalidInput(
          "Invalid metadata: it has "
              + metadata.size()
              + " keys and the W&B backend needs one of W&B's "
              + Names.MAX_METADATA_KEYS
              + " for the commit properties "
              + commitProperties.keySet()
              + "; use fewer keys");
    }
    Map<String, Object> out = new LinkedHashMap<>(metadata);
    out.put(WandbRegistry.COMMIT_PROPERTIES_KEY, new java.util.TreeMap<>(commitProperties));
    return out;
  }

  static Map<String, String> commitProperties(Object stored) {
    if (!(stored instanceof Map<?, ?> m)) {
      return Map.of();
    }
    Map<String, String> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(String.valueOf(k), v == null ? null : String.valueOf(v)));
    out.values().removeIf(java.util.Objects::isNull);
    return out;
  }

  static Map<String, Object> metadata(JsonNode m) {
    if (m == null || m.isNull()) {
      return Map.of();
    }
    try {
      JsonNode tree = m.isTextual() ? WandbClient.JSON.readTree(m.asText()) : m;
      if (tree == null || !tree.isObject()) {
        return Map.of();
      }
      return WandbClient.JSON.convertValue(
          tree, new TypeReference<LinkedHashMap<String, Object>>() {});
    } catch (JsonProcessingException e) {
      return Map.of("_unparsed", m.asText());
    }
  }

  /** W&amp;B sends times without a zone ({@code 2024-01-02T03:04:05}); they are UTC. */
  static Instant time(String s) {
    if (s == null || s.isEmpty()) {
      return Instant.EPOCH;
    }
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      try {
        return LocalDateTime.parse(s).toInstant(ZoneOffset.UTC);
      } catch (DateTimeParseException e2) {
        return Instant.EPOCH;
      }
    }
  }

  static String nextCursor(JsonNode connection) {
    JsonNode info = connection.path("pageInfo");
    if (!info.path("hasNextPage").asBoolean(false)) {
      return null;
    }
    String cursor = info.path("endCursor").asText(null);
    if (cursor == null || cursor.isEmpty()) {
      throw new ArtifactException("The server reported another page but no endCursor");
    }
    return cursor;
  }

  static String text(JsonNode n, String field) {
    JsonNode v = n == null ? null : n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    if (array != null) {
      array.forEach(n -> out.add(n.asText()));
    }
    return out;
  }

  static String toJson(Object value) {
    try {
      return WandbClient.JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new ArtifactException.InvalidInput("Invalid metadata: " + e.getOriginalMessage());
    }
  }

  static void putIfPresent(Map<String, Object> m, String key, Object value) {
    if (value != null) {
      m.put(key, value);
    }
  }

  /** A mutable map from key/value pairs (values may be null). */
  static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  /** {@code n} random characters from {@code [a-z0-9]}, as wandb generates run and client IDs. */
  static String randomName(int n) {
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      sb.append(ALNUM.charAt(RANDOM.nextInt(ALNUM.length())));
    }
    return sb.toString();
  }

  static <K, V> Map<K, V> lru(int max) {
    return new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > max;
      }
    };
  }

  /** {@code [ArtifactAliasInput!]}: aliases of versions of one collection. */
  static List<Map<String, Object>> aliasInputs(String collection, Iterable<String> aliases) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (String a : aliases) {
      out.add(map("artifactCollectionName", collection, "alias", a));
    }
    return out;
  }
}
