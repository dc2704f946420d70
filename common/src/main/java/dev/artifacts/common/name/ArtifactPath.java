package dev.artifacts.common.name;

import dev.artifacts.common.ArtifactException;
import java.util.Map;
import java.util.Objects;

/**
 * A reference to a collection and optionally a version of it: {@code
 * [entity/][project/]name[:alias]}, parsed as W&amp;B's {@code ArtifactPath.from_str}: split at the
 * first {@code ':'} (the alias may itself contain {@code '/'} and {@code ':'}), then split the left
 * part on {@code '/'} into one to three parts. Missing parts come from {@code WANDB_ENTITY} and
 * {@code WANDB_PROJECT}; the project defaults to {@code uncategorized} and the entity to the login
 * name.
 *
 * @param alias the alias or {@code vN} to resolve, or {@code null} when none was given
 */
public record ArtifactPath(String entity, String project, String name, String alias)
    implements java.io.Serializable {
  public static final String DEFAULT_PROJECT = "uncategorized";
  public static final String LATEST = "latest";
  private static final String REGISTRY_PROJECT_PREFIX = "wandb-registry-";

  public ArtifactPath {
    Objects.requireNonNull(entity, "entity is null");
    Objects.requireNonNull(project, "project is null");
    Objects.requireNonNull(name, "name is null");
  }

  /** Parses with defaults from the process environment. */
  public static ArtifactPath parse(String path) {
    return parse(path, System.getenv());
  }

  /** Parses with defaults from {@code env} ({@code WANDB_ENTITY}, {@code WANDB_PROJECT}). */
  public static ArtifactPath parse(String path, Map<String, String> env) {
    if (path == null || path.isBlank()) {
      throw new ArtifactException.InvalidInput(
          "Invalid artifact path '"
              + (path == null ? "" : path)
              + "': it must not be empty; expected [entity/][project/]name[:alias]");
    }
    int colon = path.indexOf(':');
    String left = colon < 0 ? path : path.substring(0, colon);
    String alias = colon < 0 ? null : path.substring(colon + 1);
    String[] parts = left.split("/", -1);
    if (parts.length > 3) {
      throw new ArtifactException.InvalidInput(
          "Invalid artifact path '"
              + path
              + "': expected [entity/][project/]name[:alias] with at most three parts");
    }
    String name = parts[parts.length - 1];
    String project = parts.length >= 2 ? parts[parts.length - 2] : defaultProject(env);
    String entity = parts.length == 3 ? parts[0] : defaultEntity(env);
    if (entity.isEmpty() || project.isEmpty()) {
      throw new ArtifactException.InvalidInput(
          "Invalid artifact path '" + path + "': entity and project must not be empty");
    }
    ArtifactPath parsed = new ArtifactPath(entity, project, name, alias);
    Names.validateProject(project, parsed);
    Names.validateName(name, parsed);
    if (alias != null) {
      Names.validateAlias(alias, parsed);
    }
    return parsed;
  }

  static String defaultProject(Map<String, String> env) {
    String project = env.get("WANDB_PROJECT");
    return project == null || project.isBlank() ? DEFAULT_PROJECT : project;
  }

  static String defaultEntity(Map<String, String> env) {
    String entity = env.get("WANDB_ENTITY");
    if (entity != null && !entity.isBlank()) {
      return entity;
    }
    String user = System.getProperty("user.name", "local");
    return user.isBlank() ? "local" : user;
  }

  /** The same collection with another alias. */
  public ArtifactPath withAlias(String newAlias) {
    return new ArtifactPath(entity, project, name, newAlias);
  }

  /** The alias to resolve: the given one, or {@code latest}. */
  public String aliasOrLatest() {
    return alias == null ? LATEST : alias;
  }

  /** True for registry projects ({@code wandb-registry-*}), whose entity is an organisation. */
  public boolean isRegistryPath() {
    return project.startsWith(REGISTRY_PROJECT_PREFIX);
  }

  /** {@code entity/project/name}, without the alias. */
  public String collectionPath() {
    return entity + "/" + project + "/" + name;
  }

  /** {@code entity/project/name[:alias]}. */
  @Override
  public String toString() {
    return alias == null ? collectionPath() : collectionPath() + ":" + alias;
  }
}
