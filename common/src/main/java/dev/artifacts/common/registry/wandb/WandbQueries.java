package dev.artifacts.common.registry.wandb;

import static dev.artifacts.common.registry.wandb.WandbMapping.aliasesIn;
import static dev.artifacts.common.registry.wandb.WandbMapping.map;
import static dev.artifacts.common.registry.wandb.WandbMapping.nextCursor;
import static dev.artifacts.common.registry.wandb.WandbMapping.toCollection;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.artifacts.common.ArtifactErrors;
import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.CollectionInfo;
import dev.artifacts.common.registry.VersionQuery;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads of versions and collections: memberships by name or {@code vN}, types, collections and
 * paginated version listings (Relay connections).
 */
final class WandbQueries {
  private static final String COMMITTED_FILTER = "{\"state\":\"COMMITTED\"}";
  private static final String ANY_STATE_FILTER =
      "{\"state\":{\"$in\":[\"COMMITTED\",\"DELETED\"]}}";

  private final WandbSettings settings;
  private final WandbClient client;
  private final WandbMapping mapping;

  WandbQueries(WandbSettings settings, WandbClient client, WandbMapping mapping) {
    this.settings = settings;
    this.client = client;
    this.mapping = mapping;
  }

  public ArtifactVersion resolve(ArtifactPath path) {
    return find(path)
        .orElseThrow(
            () ->
                ArtifactErrors.versionNotFound(
                    path.withAlias(path.aliasOrLatest()),
                    "no such collection or alias on " + settings.baseUrl));
  }

  public Optional<ArtifactVersion> find(ArtifactPath path) {
    requireNonNull(path, "path is null");
    String name = path.name() + ":" + path.aliasOrLatest();
    JsonNode data =
        client.call(
            "ArtifactMembershipByName",
            Gql.MEMBERSHIP_BY_NAME,
            map("entity", path.entity(), "project", path.project(), "name", name),
            path.entity() + "/" + path.project());
    JsonNode membership = data.path("project").path("artifactCollectionMembership");
    if (membership.isMissingNode() || membership.isNull()) {
      return Optional.empty();
    }
    JsonNode artifact = membership.path("artifact");
    if (artifact.isNull() || artifact.isMissingNode()) {
      return Optional.empty();
    }
    if (!ArtifactVersion.COMMITTED.equals(artifact.path("state").asText())) {
      return Optional.empty();
    }
    List<String> aliases = new ArrayList<>();
    for (JsonNode a : membership.path("aliases")) {
      aliases.add(a.path("alias").asText());
    }
    JsonNode collection = membership.path("artifactCollection");
    return Optional.of(
        mapping.toVersion(
            artifact,
            path.entity(),
            path.project(),
            collection.path("name").asText(path.name()),
            "ArtifactPortfolio".equals(collection.path("__typename").asText()),
            membership.path("versionIndex").asInt(artifact.path("versionIndex").asInt()),
            aliases));
  }

  ArtifactVersion byIndex(ArtifactPath coll, int index) {
    return resolve(coll.withAlias("v" + index));
  }

  public List<String> types(String entity, String project) {
    List<String> types = new ArrayList<>();
    paginate(
        "ProjectArtifactTypes",
        Gql.PROJECT_TYPES,
        map("entity", entity, "project", project),
        "project.artifactTypes",
        entity + "/" + project,
        node -> types.add(node.path("name").asText()));
    Collections.sort(types);
    return types;
  }

  public List<CollectionInfo> collections(String entity, String project, String type) {
    List<CollectionInfo> out = new ArrayList<>();
    List<String> types = type == null ? types(entity, project) : List.of(type);
    for (String t : types) {
      paginate(
          "ArtifactTypeArtifactCollections",
          Gql.TYPE_COLLECTIONS,
          map("entity", entity, "project", project, "type", t),
          "project.artifactType.artifactCollections",
          entity + "/" + project,
          node -> out.add(toCollection(node, entity, project, t)));
    }
    out.sort(Comparator.comparing(CollectionInfo::name));
    return out;
  }

  public Optional<CollectionInfo> collection(ArtifactPath collection) {
    return collectionNode(collection)
        .map(n -> toCollection(n, collection.entity(), collection.project(), null));
  }

  Optional<JsonNode> collectionNode(ArtifactPath collection) {
    JsonNode data =
        client.call(
            "ArtifactCollection",
            Gql.COLLECTION,
            map(
                "entity",
                collection.entity(),
                "project",
                collection.project(),
                "name",
                collection.name()),
            collection.entity() + "/" + collection.project());
    JsonNode node = data.path("project").path("artifactCollection");
    return node.isMissingNode() || node.isNull() ? Optional.empty() : Optional.of(node);
  }

  public List<ArtifactVersion> versions(ArtifactPath collection, VersionQuery query) {
    requireNonNull(query, "query is null");
    CollectionInfo info =
        collection(collection)
            .orElseThrow(
                () ->
                    new ArtifactException.NotFound(
                        "Cannot list versions of "
                            + collection.withAlias(null)
                            + ": the collection does not exist"));
    boolean serverOrder =
        query.order() == VersionQuery.Order.CREATED_ASC
            || query.order() == VersionQuery.Order.CREATED_DESC;
    List<ArtifactVersion> out = new ArrayList<>();
    Map<String, Object> vars =
        map(
            "entity",
            collection.entity(),
            "project",
            collection.project(),
            "type",
            info.type(),
            "collection",
            collection.name(),
            "order",
            query.order() == VersionQuery.Order.CREATED_ASC ? "createdAt" : "-createdAt",
            "filters",
            query.includeDeleted() ? ANY_STATE_FILTER : COMMITTED_FILTER);
    boolean portfolio = info.kind() == CollectionInfo.Kind.PORTFOLIO;
    String cursor = null;
    do {
      vars.put("cursor", cursor);
      vars.put("perPage", settings.pageSize);
      JsonNode data =
          client.call(
              "ArtifactVersions", Gql.VERSIONS, vars, collection.withAlias(null).toString());
      JsonNode artifacts =
          WandbClient.require(
              data,
              "project.artifactType.artifactCollection.artifacts",
              "ArtifactVersions",
              collection.withAlias(null).toString());
      for (JsonNode edge : artifacts.path("edges")) {
        JsonNode node = edge.path("node");
        String v = edge.path("version").asText("");
        int index =
            v.startsWith("v")
                ? Integer.parseInt(v.substring(1))
                : node.path("versionIndex").asInt();
        ArtifactVersion version =
            mapping.toVersion(
                node,
                collection.entity(),
                collection.project(),
                collection.name(),
                portfolio,
                index,
                aliasesIn(node, collection.name()));
        if (matches(version, query)) {
          out.add(version);
        }
      }
      cursor = nextCursor(artifacts);
      if (serverOrder && query.limit() > 0 && out.size() >= query.limit()) {
        break;
      }
    } while (cursor != null);
    Comparator<ArtifactVersion> order =
        switch (query.order()) {
          case VERSION_ASC -> Comparator.comparingInt(ArtifactVersion::versionIndex);
          case VERSION_DESC -> Comparator.comparingInt(ArtifactVersion::versionIndex).reversed();
          case CREATED_ASC -> Comparator.comparing(ArtifactVersion::createdAt);
          case CREATED_DESC -> Comparator.comparing(ArtifactVersion::createdAt).reversed();
        };
    out.sort(order);
    return query.limit() > 0 && out.size() > query.limit() ? out.subList(0, query.limit()) : out;
  }

  /** Alias, tag and digest filters are applied here; W&amp;B's filter keys for them are unknown. */
  static boolean matches(ArtifactVersion v, VersionQuery q) {
    return (q.alias() == null || v.aliases().contains(q.alias()))
        && (q.tag() == null || v.tags().contains(q.tag()))
        && (q.digest() == null || v.digest().equals(q.digest()));
  }

  interface NodeSink {
    void accept(JsonNode node);
  }

  /** Walks a Relay connection at {@code path} with {@code cursor}/{@code perPage} variables. */
  void paginate(
      String operation,
      String document,
      Map<String, Object> vars,
      String path,
      String scope,
      NodeSink sink) {
    String cursor = null;
    do {
      vars.put("cursor", cursor);
      vars.put("perPage", settings.pageSize);
      JsonNode data = client.call(operation, document, vars, scope);
      JsonNode conn = data;
      for (String p : path.split("\\.")) {
        conn = conn.path(p);
      }
      if (conn.isMissingNode() || conn.isNull()) {
        return;
      }
      for (JsonNode edge : conn.path("edges")) {
        sink.accept(edge.path("node"));
      }
      cursor = nextCursor(conn);
    } while (cursor != null);
  }
}
