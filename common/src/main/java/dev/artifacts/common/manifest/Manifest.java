package dev.artifacts.common.manifest;

import dev.artifacts.common.digest.ArtifactDigester;
import dev.artifacts.common.digest.Digests;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable W&amp;B manifest v1: entries in code point order of their paths plus the storage
 * policy configuration. Holds everything in memory; {@link ManifestWriter} and {@link
 * ManifestReader} stream manifests too large for that.
 */
public final class Manifest {
  public static final int VERSION = 1;
  public static final String STORAGE_POLICY = "wandb-storage-policy-v1";
  public static final String STORAGE_LAYOUT_V2 = "V2";

  private final String storageLayout;
  private final String storageRegion;
  private final List<ManifestEntry> entries;
  private volatile Map<String, ManifestEntry> byPath;
  private volatile String digest;

  private Manifest(String storageLayout, String storageRegion, List<ManifestEntry> sorted) {
    this.storageLayout = storageLayout;
    this.storageRegion = storageRegion;
    this.entries = sorted;
  }

  /**
   * Builds a manifest from entries in any order.
   *
   * @throws IllegalArgumentException if two entries share a path
   */
  public static Manifest of(Collection<ManifestEntry> entries) {
    return of(STORAGE_LAYOUT_V2, null, entries);
  }

  public static Manifest of(
      String storageLayout, String storageRegion, Collection<ManifestEntry> entries) {
    Objects.requireNonNull(storageLayout, "storageLayout is null");
    ManifestEntry[] sorted = entries.toArray(new ManifestEntry[0]);
    Arrays.parallelSort(sorted, pathOrder(sorted));
    for (int i = 1; i < sorted.length; i++) {
      if (sorted[i].path().equals(sorted[i - 1].path())) {
        throw new IllegalArgumentException("Duplicate manifest entry '" + sorted[i].path() + "'");
      }
    }
    return new Manifest(
        storageLayout, storageRegion, Collections.unmodifiableList(Arrays.asList(sorted)));
  }

  /**
   * Code point order of the paths. UTF-16 order ({@link String#compareTo}) differs from it only
   * when a surrogate meets a character in U+E000..U+FFFF, so without surrogates the faster,
   * intrinsified {@code compareTo} gives exactly the same order.
   */
  private static Comparator<ManifestEntry> pathOrder(ManifestEntry[] entries) {
    for (ManifestEntry e : entries) {
      String p = e.path();
      for (int i = 0; i < p.length(); i++) {
        if (Character.isSurrogate(p.charAt(i))) {
          return (a, b) -> Digests.CODE_POINT_ORDER.compare(a.path(), b.path());
        }
      }
    }
    return (a, b) -> a.path().compareTo(b.path());
  }

  public static Manifest empty() {
    return new Manifest(STORAGE_LAYOUT_V2, null, List.of());
  }

  /** Entries in code point order of their paths. */
  public List<ManifestEntry> entries() {
    return entries;
  }

  public Optional<ManifestEntry> entry(String path) {
    return Optional.ofNullable(index().get(path));
  }

  public String storageLayout() {
    return storageLayout;
  }

  /** Storage region such as {@code coreweave-us}, or {@code null}. */
  public String storageRegion() {
    return storageRegion;
  }

  public int fileCount() {
    return entries.size();
  }

  /** Sum of known entry sizes, as W&amp;B reports an artifact's size. */
  public long totalSize() {
    long total = 0;
    for (ManifestEntry e : entries) {
      if (e.size() != null) {
        total += e.size();
      }
    }
    return total;
  }

  /** The artifact digest (lowercase hex MD5 over {@code path:digest} lines). */
  public String digest() {
    String d = digest;
    if (d == null) {
      ArtifactDigester digester = new ArtifactDigester();
      entries.forEach(e -> digester.add(e.path(), e.digest()));
      digest = d = digester.finish();
    }
    return d;
  }

  /** A copy with {@code changed} entries added or replaced and {@code removed} paths dropped. */
  public Manifest with(Collection<ManifestEntry> changed, Collection<String> removed) {
    Map<String, ManifestEntry> merged = new HashMap<>(index());
    removed.forEach(merged::remove);
    changed.forEach(e -> merged.put(e.path(), e));
    return of(storageLayout, storageRegion, new ArrayList<>(merged.values()));
  }

  private Map<String, ManifestEntry> index() {
    Map<String, ManifestEntry> m = byPath;
    if (m == null) {
      m = new HashMap<>(entries.size() * 2);
      for (ManifestEntry e : entries) {
        m.put(e.path(), e);
      }
      byPath = m;
    }
    return m;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Manifest other
        && storageLayout.equals(other.storageLayout)
        && Objects.equals(storageRegion, other.storageRegion)
        && entries.equals(other.entries);
  }

  @Override
  public int hashCode() {
    return Objects.hash(storageLayout, storageRegion, entries);
  }

  @Override
  public String toString() {
    return "Manifest[" + entries.size() + " entries, digest " + digest() + "]";
  }
}
