package dev.artifacts.common.registry;

import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * The reading role of a registry: finding committed versions and reading their manifests and bytes.
 * Readers such as {@link ArtifactFiles} and the engines' scan planning take only this role, so a
 * read-only or in-memory source implements nothing else. Thread-safe.
 */
public interface ArtifactReader {
  /** The registry location, for messages and for connectors that reopen it elsewhere. */
  String uri();

  /**
   * Resolves {@code path} ({@code latest} when it has no alias; {@code vN} or any alias) to a
   * committed version.
   *
   * @throws dev.artifacts.common.ArtifactException.NotFound naming the path if nothing matches
   */
  ArtifactVersion resolve(ArtifactPath path);

  /** Like {@link #resolve} but empty instead of throwing when the collection or alias is absent. */
  Optional<ArtifactVersion> find(ArtifactPath path);

  /**
   * The manifest of a version, checked against the version's digest.
   *
   * @throws dev.artifacts.common.ArtifactException.Corrupted if it is missing, truncated or does
   *     not match
   */
  Manifest manifest(ArtifactVersion version);

  /**
   * A Hadoop filesystem URI under which engines can read the body of a non-reference entry on any
   * machine with their own file readers, or empty. The embedded registry answers its content
   * store's {@link ContentStore#location}; the W&amp;B backend a {@code wandbbody:} URI whose
   * filesystem downloads the body into the local W&amp;B cache on first open.
   */
  Optional<java.net.URI> location(ArtifactVersion version, ManifestEntry entry);

  /** Opens the bytes of one entry: the stored body, or the referenced object. */
  InputStream open(ArtifactVersion version, ManifestEntry entry) throws IOException;

  /** Artifact types used in a project, sorted by name. */
  List<String> types(String entity, String project);

  /** Collections of a project, optionally only those of {@code type}; sorted by name. */
  List<CollectionInfo> collections(String entity, String project, String type);

  /** The collection record, if it exists. */
  Optional<CollectionInfo> collection(ArtifactPath collection);

  /** Versions of a collection. */
  List<ArtifactVersion> versions(ArtifactPath collection, VersionQuery query);
}
