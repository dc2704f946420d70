package dev.artifacts.common.registry.wandb;

import static dev.artifacts.common.registry.wandb.WandbMapping.aliasInputs;
import static dev.artifacts.common.registry.wandb.WandbMapping.map;
import static dev.artifacts.common.registry.wandb.WandbMapping.putIfPresent;
import static dev.artifacts.common.registry.wandb.WandbMapping.text;
import static dev.artifacts.common.registry.wandb.WandbMapping.toJson;
import static dev.artifacts.common.registry.wandb.WandbMapping.withCommitProperties;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.name.Names;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.CollectionInfo;
import dev.artifacts.common.registry.VersionUpdate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Changes to versions and collections: aliases, edits, deletes, links (with the organization entity
 * of {@code wandb-registry-*} projects), unlinks, collection renames, types and tags.
 */
final class WandbLabels {
  private static final Logger LOG = LoggerFactory.getLogger(WandbLabels.class);

  /** Python's {@code _ttl_duration_seconds_to_gql}: -2 disables the TTL. */
  private static final long TTL_DISABLED = -2;

  private final WandbClient client;
  private final WandbQueries queries;
  private final WandbDownloads downloads;

  WandbLabels(WandbClient client, WandbQueries queries, WandbDownloads downloads) {
    this.client = client;
    this.queries = queries;
    this.downloads = downloads;
  }

  public ArtifactVersion addAlias(ArtifactVersion version, String alias) {
    Names.requireAssignableAlias(alias, version.path());
    return changeAlias(version, alias, "AddAliases", Gql.ADD_ALIASES);
  }

  public ArtifactVersion removeAlias(ArtifactVersion version, String alias) {
    Names.requireRemovableAlias(alias, version.path());
    if (!version.aliases().contains(alias)) {
      throw new ArtifactException.NotFound(
          "Cannot remove alias '" + alias + "' from " + version.path() + ": it does not have it");
    }
    return changeAlias(version, alias, "DeleteAliases", Gql.DELETE_ALIASES);
  }

  ArtifactVersion changeAlias(
      ArtifactVersion version, String alias, String operation, String document) {
    requireNonNull(version, "version is null");
    Names.validateAlias(alias, version.path());
    Map<String, Object> input =
        map(
            "artifactID",
            version.id(),
            "aliases",
            List.of(
                map(
                    "entityName",
                    version.entity(),
                    "projectName",
                    version.project(),
                    "artifactCollectionName",
                    version.collection(),
                    "alias",
                    alias)));
    client.call(operation, document, map("input", input), version.path().toString());
    return reread(version);
  }

  public ArtifactVersion update(ArtifactVersion version, VersionUpdate update) {
    requireNonNull(version, "version is null");
    requireNonNull(update, "update is null");
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("artifactID", version.id());
    putIfPresent(input, "description", update.description());
    if (update.metadata() != null) {
      // Replacing the metadata keeps the commit properties stored in it.
      input.put(
          "metadata",
          toJson(
              withCommitProperties(
                  Names.normalizeMetadata(update.metadata(), version.path()),
                  version.commitProperties())));
    }
    if (update.ttl() != null) {
      if (update.ttl().isNegative()) {
        throw new ArtifactException.InvalidInput(
            "Invalid TTL " + update.ttl() + " for " + version.path() + ": it must not be negative");
      }
      input.put(
          "ttlDurationSeconds", update.ttl().isZero() ? TTL_DISABLED : update.ttl().toSeconds());
    }
    if (!update.tagsToAdd().isEmpty()) {
      input.put(
          "tagsToAdd",
          Names.normalizeTags(update.tagsToAdd(), version.path()).stream()
              .map(t -> map("tagName", t))
              .toList());
    }
    if (!update.tagsToRemove().isEmpty()) {
      input.put(
          "tagsToDelete", update.tagsToRemove().stream().map(t -> map("tagName", t)).toList());
    }
    client.call(
        "UpdateArtifact", Gql.UPDATE_ARTIFACT, map("input", input), version.path().toString());
    return reread(version);
  }

  ArtifactVersion reread(ArtifactVersion version) {
    return queries.resolve(
        new ArtifactPath(
            version.entity(), version.project(), version.collection(), version.version()));
  }

  public void delete(ArtifactVersion version, boolean deleteAliases) {
    requireNonNull(version, "version is null");
    List<String> aliases =
        version.aliases().stream().filter(a -> !a.equals(ArtifactPath.LATEST)).toList();
    if (!aliases.isEmpty() && !deleteAliases) {
      throw new ArtifactException.InvalidInput(
          "Cannot delete "
              + version.path()
              + ": it has aliases "
              + aliases
              + "; remove them first or delete with deleteAliases");
    }
    client.call(
        "DeleteArtifact",
        Gql.DELETE_ARTIFACT,
        map("input", map("artifactID", version.id(), "deleteAliases", deleteAliases)),
        version.path().toString());
    downloads.forget(version.id());
    LOG.info("Deleted {}", version.path());
  }

  public void deleteCollection(ArtifactPath collection) {
    JsonNode node =
        queries
            .collectionNode(collection)
            .orElseThrow(
                () ->
                    new ArtifactException.NotFound(
                        "Cannot delete "
                            + collection.withAlias(null)
                            + ": the collection does not exist"));
    boolean portfolio = "ArtifactPortfolio".equals(node.path("__typename").asText());
    client.call(
        portfolio ? "DeleteArtifactPortfolio" : "DeleteArtifactSequence",
        portfolio ? Gql.DELETE_PORTFOLIO : Gql.DELETE_SEQUENCE,
        map("id", text(node, "id")),
        collection.withAlias(null).toString());
    LOG.info("Deleted collection {}", collection.withAlias(null));
  }

  public ArtifactVersion link(
      ArtifactVersion version, ArtifactPath portfolio, List<String> aliases) {
    requireNonNull(version, "version is null");
    requireNonNull(portfolio, "portfolio is null");
    ArtifactPath target = portfolio.withAlias(null);
    Names.validateName(target.name(), target);
    if (target.project().startsWith(REGISTRY_PROJECT_PREFIX)) {
      String sourceEntity =
          version.isLink()
              ? ArtifactPath.parse(version.sourceCollection(), Map.of()).entity()
              : version.entity();
      target =
          new ArtifactPath(
              orgEntity(sourceEntity, target.entity(), target),
              target.project(),
              target.name(),
              null);
    }
    List<String> normalized = Names.normalizeAliases(aliases == null ? List.of() : aliases, target);
    for (String alias : normalized) {
      Names.requireAssignableAlias(alias, target);
    }
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("artifactPortfolioName", target.name());
    input.put("entityName", target.entity());
    input.put("projectName", target.project());
    input.put("aliases", aliasInputs(target.name(), normalized));
    input.put("artifactID", version.id());
    JsonNode data =
        client.call("LinkArtifact", Gql.LINK_ARTIFACT, map("input", input), target.toString());
    int index =
        WandbClient.require(data, "linkArtifact.versionIndex", "LinkArtifact", target.toString())
            .asInt();
    return queries.byIndex(target, index);
  }

  /**
   * Removes a linked version from its portfolio or registry collection ({@code unlinkArtifact});
   * the source version stays. W&amp;B-specific: not part of {@link ArtifactRegistry}.
   *
   * @throws ArtifactException.InvalidInput when {@code linked} is not a link
   */
  public void unlink(ArtifactVersion linked) {
    requireNonNull(linked, "linked is null");
    if (!linked.isLink()) {
      throw new ArtifactException.InvalidInput(
          "Cannot unlink "
              + linked.path()
              + ": it is a version of its own collection, not a link; delete it instead");
    }
    JsonNode node =
        queries
            .collectionNode(linked.path())
            .orElseThrow(
                () ->
                    new ArtifactException.NotFound(
                        "Cannot unlink " + linked.path() + ": the collection does not exist"));
    client.call(
        "UnlinkArtifact",
        Gql.UNLINK_ARTIFACT,
        map("input", map("artifactID", linked.id(), "artifactPortfolioID", text(node, "id"))),
        linked.path().toString());
    LOG.info("Unlinked {}", linked.path());
  }

  /**
   * Renames a collection and/or replaces its description ({@code updateArtifactSequence} or {@code
   * updateArtifactPortfolio}); a null argument leaves that property as it is. Returns the
   * collection as it is afterwards. W&amp;B-specific.
   */
  public CollectionInfo updateCollection(
      ArtifactPath collection, String newName, String description) {
    ArtifactPath coll = collection.withAlias(null);
    JsonNode node = existingCollection(coll, "update");
    if (newName != null) {
      Names.validateName(newName, coll);
    }
    boolean portfolio = "ArtifactPortfolio".equals(node.path("__typename").asText());
    Map<String, Object> input = new LinkedHashMap<>();
    input.put(portfolio ? "artifactPortfolioID" : "artifactSequenceID", text(node, "id"));
    putIfPresent(input, "name", newName);
    putIfPresent(input, "description", description);
    client.call(
        portfolio ? "UpdateArtifactPortfolio" : "UpdateArtifactSequence",
        portfolio ? Gql.UPDATE_PORTFOLIO : Gql.UPDATE_SEQUENCE,
        map("input", input),
        coll.toString());
    ArtifactPath now =
        newName == null ? coll : new ArtifactPath(coll.entity(), coll.project(), newName, null);
    return queries.collection(now).orElseThrow();
  }

  /** Changes a source collection's type ({@code moveArtifactSequence}). W&amp;B-specific. */
  public CollectionInfo changeCollectionType(ArtifactPath collection, String type) {
    ArtifactPath coll = collection.withAlias(null);
    Names.validateType(type, coll.name(), coll);
    JsonNode node = existingCollection(coll, "change the type of");
    if ("ArtifactPortfolio".equals(node.path("__typename").asText())) {
      throw new ArtifactException.InvalidInput(
          "Cannot change the type of "
              + coll
              + ": it is a link collection; only source collections have their own type");
    }
    client.call(
        "UpdateArtifactSequenceType",
        Gql.MOVE_SEQUENCE,
        map(
            "input",
            map("artifactSequenceID", text(node, "id"), "destinationArtifactTypeName", type)),
        coll.toString());
    return queries.collection(coll).orElseThrow();
  }

  /**
   * Adds ({@code add}) or removes tags of a collection ({@code
   * createArtifactCollectionTagAssignments} / {@code deleteArtifactCollectionTagAssignments}, at
   * most 20 per call as the SDK sends them). W&amp;B-specific.
   */
  public CollectionInfo tagCollection(ArtifactPath collection, List<String> tags, boolean add) {
    ArtifactPath coll = collection.withAlias(null);
    existingCollection(coll, "tag");
    List<String> normalized = add ? Names.normalizeTags(tags, coll) : List.copyOf(tags);
    for (int from = 0; from < normalized.size(); from += 20) {
      List<Map<String, Object>> tagInputs =
          normalized.subList(from, Math.min(normalized.size(), from + 20)).stream()
              .map(t -> map("tagName", t))
              .toList();
      client.call(
          add ? "AddArtifactCollectionTags" : "DeleteArtifactCollectionTags",
          add ? Gql.ADD_COLLECTION_TAGS : Gql.DELETE_COLLECTION_TAGS,
          map(
              "input",
              map(
                  "entityName",
                  coll.entity(),
                  "projectName",
                  coll.project(),
                  "artifactCollectionName",
                  coll.name(),
                  "tags",
                  tagInputs)),
          coll.toString());
    }
    return queries.collection(coll).orElseThrow();
  }

  JsonNode existingCollection(ArtifactPath coll, String what) {
    return queries
        .collectionNode(coll)
        .orElseThrow(
            () ->
                new ArtifactException.NotFound(
                    "Cannot " + what + " " + coll + ": the collection does not exist"));
  }

  static final String REGISTRY_PROJECT_PREFIX = "wandb-registry-";

  /**
   * The entity owning registry projects for a link into {@code target}, as the Python SDK resolves
   * it ({@code wandb/sdk/artifacts/_gqlutils.py} {@code resolve_org_entity_name}): the
   * organizations of the <em>source</em> entity are fetched, and the path's first part must name
   * one of them, by organization name or org entity name.
   */
  String orgEntity(String sourceEntity, String orgOrEntity, ArtifactPath target) {
    JsonNode data =
        client.call(
            "FetchOrgInfoFromEntity", Gql.ORG_INFO, map("entity", sourceEntity), target.toString());
    JsonNode entity = data.path("entity");
    List<String[]> orgs = new ArrayList<>();
    JsonNode team = entity.path("organization");
    if (team.hasNonNull("orgEntity")) {
      orgs.add(
          new String[] {team.path("name").asText(), team.path("orgEntity").path("name").asText()});
    }
    for (JsonNode org : entity.path("user").path("organizations")) {
      if (org.hasNonNull("orgEntity")) {
        orgs.add(
            new String[] {org.path("name").asText(), org.path("orgEntity").path("name").asText()});
      }
    }
    for (String[] org : orgs) {
      if (org[0].equals(orgOrEntity) || org[1].equals(orgOrEntity)) {
        return org[1];
      }
    }
    throw new ArtifactException.InvalidInput(
        "Cannot link to "
            + target
            + ": '"
            + orgOrEntity
            + "' is none of the organizations of entity '"
            + sourceEntity
            + "' ("
            + (orgs.isEmpty()
                ? "it belongs to none"
                : String.join(", ", orgs.stream().map(o -> o[0] + " / entity " + o[1]).toList()))
            + "); start the registry path with the organization's name or its entity");
  }
}
