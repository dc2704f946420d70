package dev.artifacts.common.registry.commit;

import dev.artifacts.common.ArtifactErrors;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.name.Names;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The rules for aliases a writer asks for, on every backend and engine: an alias is validated and
 * normalised ({@link Names#normalizeAlias}); {@code latest} is implied by the highest version, so a
 * commit that requests it just gets it and an explicit assignment is refused; {@code vN} names a
 * version and is never assigned.
 */
public final class AliasRules {
  private AliasRules() {}

  /**
   * The aliases a commit or link of {@code artifact} applies: validated, NFC-normalised, without
   * duplicates, without {@code latest} (the registry gives it to the highest version itself).
   *
   * @throws dev.artifacts.common.ArtifactException.InvalidInput naming the alias when one is
   *     invalid or of the form {@code vN}
   */
  public static List<String> requested(Collection<String> aliases, Object artifact) {
    List<String> out = new ArrayList<>();
    for (String alias : Names.normalizeAliases(aliases, artifact)) {
      if (alias.equals(ArtifactPath.LATEST)) {
        continue;
      }
      rejectVersionAlias(alias, artifact);
      out.add(alias);
    }
    return List.copyOf(out);
  }

  /**
   * An alias to point at one version explicitly ({@code addAlias}), normalised.
   *
   * @throws dev.artifacts.common.ArtifactException.InvalidInput for an invalid alias, {@code
   *     latest} or {@code vN}
   */
  public static String assignable(String alias, Object artifact) {
    String normalized = Names.normalizeAlias(alias, artifact);
    if (normalized.equals(ArtifactPath.LATEST)) {
      throw ArtifactErrors.latestAliasAssigned(artifact);
    }
    rejectVersionAlias(normalized, artifact);
    return normalized;
  }

  /** Refuses an alias of the form {@code vN}: version aliases are assigned by the registry. */
  public static void rejectVersionAlias(String alias, Object artifact) {
    if (Names.versionIndex(alias).isPresent()) {
      throw ArtifactErrors.versionAlias(artifact, alias);
    }
  }
}
