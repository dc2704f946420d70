package dev.artifacts.common.registry.wandb;

import static dev.artifacts.common.registry.wandb.WandbMapping.aliasesIn;
import static dev.artifacts.common.registry.wandb.WandbMapping.map;
import static dev.artifacts.common.registry.wandb.WandbMapping.putIfPresent;
import static dev.artifacts.common.registry.wandb.WandbMapping.randomName;
import static dev.artifacts.common.registry.wandb.WandbMapping.text;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.RunInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs and lineage: the W&amp;B runs this process creates (one per {@link RunInfo} and project,
 * finished on close), {@code useArtifact}, and who logged or used a version.
 */
final class WandbLineage {
  private static final Logger LOG = LoggerFactory.getLogger(WandbLineage.class);
  private final WandbClient client;
  private final WandbQueries queries;
  private final WandbMapping mapping;

  /** {@code entity/project/RunInfo.id} → W&amp;B run name, for this process. */
  private final Map<String, String> runNames = new ConcurrentHashMap<>();

  /** {@code entity/project/run name} → the RunInfo we created it for. */
  final Map<String, RunInfo> runsByName;

  /** The run of writes that name none. */
  final RunInfo processRun =
      RunInfo.of("artifact-connectors-" + randomName(8), "artifact-connectors", "artifact");

  /** {@code WANDB_ENTITY}/{@code WANDB_PROJECT}: where runs that use artifacts live. */
  private volatile String defaultEntity;

  private volatile String defaultProject;

  WandbLineage(
      WandbClient client,
      WandbQueries queries,
      WandbMapping mapping,
      Map<String, RunInfo> runsByName) {
    this.client = client;
    this.queries = queries;
    this.mapping = mapping;
    this.runsByName = runsByName;
  }

  /** The W&amp;B run for {@code run} in {@code entity/project}, created once per process. */
  String ensureRun(String entity, String project, RunInfo run) {
    String key = entity + "/" + project + "/" + run.id();
    return runNames.computeIfAbsent(
        key,
        k -> {
          Map<String, Object> vars = new LinkedHashMap<>();
          vars.put("name", randomName(8));
          vars.put("project", project);
          vars.put("entity", entity);
          vars.put("displayName", run.name());
          vars.put("jobType", run.jobType());
          putIfPresent(vars, "host", run.properties().get("host"));
          JsonNode data =
              client.call("UpsertBucket", Gql.UPSERT_BUCKET, vars, entity + "/" + project);
          String name =
              text(
                  WandbClient.require(
                      data, "upsertBucket.bucket", "UpsertBucket", entity + "/" + project),
                  "name");
          runsByName.put(entity + "/" + project + "/" + name, run);
          LOG.info("Created W&B run {}/{}/{} for {}", entity, project, name, run.id());
          return name;
        });
  }

  /** Where runs that use artifacts are recorded when their RunInfo names no project. */
  void defaultRunProject(String entity, String project) {
    boolean both = entity != null && !entity.isBlank() && project != null && !project.isBlank();
    this.defaultEntity = both ? entity : null;
    this.defaultProject = both ? project : null;
  }

  /**
   * Records that {@code run} used {@code version}, in the consuming run's own project as wandb-core
   * does ({@code UseArtifactInput.entityName/projectName} are the run's): the project named by the
   * run's {@value #WandbRegistry.RUN_ENTITY}/{@value #WandbRegistry.RUN_PROJECT} properties, else
   * {@code WANDB_ENTITY}/{@code WANDB_PROJECT}, else the project that holds the version's bytes (a
   * registry project holds no runs). When that is not the artifact's project, {@code
   * artifactEntityName}/{@code artifactProjectName} name the artifact's (newer servers; see the
   * README's W&amp;B section).
   */
  public void recordUse(RunInfo run, ArtifactVersion version) {
    requireNonNull(run, "run is null");
    requireNonNull(version, "version is null");
    ArtifactPath home =
        version.isLink()
            ? ArtifactPath.parse(version.sourceCollection(), Map.of())
            : version.path();
    String entity =
        run.properties()
            .getOrDefault(
                WandbRegistry.RUN_ENTITY, defaultEntity == null ? home.entity() : defaultEntity);
    String project =
        run.properties()
            .getOrDefault(
                WandbRegistry.RUN_PROJECT,
                defaultProject == null ? home.project() : defaultProject);
    String runName = ensureRun(entity, project, run);
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("entityName", entity);
    input.put("projectName", project);
    input.put("runName", runName);
    input.put("artifactID", version.id());
    if (!entity.equals(home.entity()) || !project.equals(home.project())) {
      input.put("artifactEntityName", home.entity());
      input.put("artifactProjectName", home.project());
    }
    client.call("UseArtifact", Gql.USE_ARTIFACT, map("input", input), version.path().toString());
  }

  public List<RunInfo> usedBy(ArtifactVersion version) {
    JsonNode data =
        client.call(
            "ArtifactUsedBy", Gql.USED_BY, map("id", version.id()), version.path().toString());
    List<RunInfo> runs = new ArrayList<>();
    for (JsonNode edge : data.path("artifact").path("usedBy").path("edges")) {
      JsonNode n = edge.path("node");
      String entity = n.path("project").path("entity").path("name").asText(version.entity());
      String project = n.path("project").path("name").asText(version.project());
      runs.add(toRun(entity, project, n));
    }
    return runs;
  }

  public Optional<RunInfo> loggedBy(ArtifactVersion version) {
    JsonNode data =
        client.call(
            "ArtifactCreatedBy",
            Gql.CREATED_BY,
            map("id", version.id()),
            version.path().toString());
    JsonNode by = data.path("artifact").path("createdBy");
    if (!"Run".equals(by.path("__typename").asText())) {
      return Optional.empty();
    }
    ArtifactPath home =
        version.isLink()
            ? ArtifactPath.parse(version.sourceCollection(), Map.of())
            : version.path();
    return Optional.of(toRun(home.entity(), home.project(), by));
  }

  RunInfo toRun(String entity, String project, JsonNode run) {
    String name = run.path("name").asText();
    RunInfo ours = runsByName.get(entity + "/" + project + "/" + name);
    if (ours != null) {
      return ours;
    }
    String display = run.path("displayName").asText(null);
    String jobType = run.path("jobType").asText(null);
    return new RunInfo(name, display, jobType, Instant.EPOCH, Map.of("wandbRun", name));
  }

  public List<ArtifactVersion> inputsOf(String entity, String project, String runId) {
    return runArtifacts(entity, project, runId, "inputArtifacts");
  }

  public List<ArtifactVersion> outputsOf(String entity, String project, String runId) {
    return runArtifacts(entity, project, runId, "outputArtifacts");
  }

  /** {@code runId} is our RunInfo ID when this process created the run, else a W&amp;B run name. */
  List<ArtifactVersion> runArtifacts(String entity, String project, String runId, String field) {
    String runName = runNames.getOrDefault(entity + "/" + project + "/" + runId, runId);
    String op = "Run" + Character.toUpperCase(field.charAt(0)) + field.substring(1);
    String doc =
        field.equals("inputArtifacts") ? Gql.RUN_INPUT_ARTIFACTS : Gql.RUN_OUTPUT_ARTIFACTS;
    List<ArtifactVersion> out = new ArrayList<>();
    queries.paginate(
        op,
        doc,
        map("entity", entity, "project", project, "run", runName),
        "project.run." + field,
        entity + "/" + project,
        node -> {
          if (ArtifactVersion.COMMITTED.equals(node.path("state").asText())) {
            JsonNode seq = node.path("artifactSequence");
            String name = seq.path("name").asText();
            out.add(
                mapping.toVersion(
                    node,
                    seq.path("project").path("entity").path("name").asText(entity),
                    seq.path("project").path("name").asText(project),
                    name,
                    false,
                    node.path("versionIndex").asInt(),
                    aliasesIn(node, name)));
          }
        });
    return out;
  }

  /** Marks the runs this process created finished ({@code UpsertBucket} with {@code state}). */
  void finishRuns() {
    for (String key : runsByName.keySet()) {
      String[] p = key.split("/", 3);
      Map<String, Object> vars = new LinkedHashMap<>();
      vars.put("name", p[2]);
      vars.put("project", p[1]);
      vars.put("entity", p[0]);
      vars.put("state", "finished");
      try {
        client.call("UpsertBucket", Gql.UPSERT_BUCKET, vars, p[0] + "/" + p[1]);
      } catch (ArtifactException e) {
        LOG.warn("Cannot mark W&B run {} finished: {}", key, e.getMessage());
      }
    }
    runsByName.clear();
  }
}
