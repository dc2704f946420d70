package dev.artifacts.common.registry;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Outcome of {@link ArtifactFiles#verify}, with W&amp;B's {@code verify(root)} semantics: every
 * stored (non-reference) entry is re-hashed; references are skipped and counted; files under the
 * root that are not entries are errors. The artifact digest is not recomputed.
 *
 * @param root the directory checked
 * @param verified stored entries whose bytes match their digest
 * @param referencesSkipped reference entries, not checked
 * @param unverifiable stored entries whose digest algorithm ({@code extra.alg}) is not MD5, not
 *     checked
 * @param missing entry paths with no file under the root
 * @param extra files under the root that are not entries (relative POSIX paths)
 * @param mismatches entries whose file has other bytes than the manifest says
 */
public record VerifyReport(
    Path root,
    int verified,
    int referencesSkipped,
    List<String> unverifiable,
    List<String> missing,
    List<String> extra,
    List<Mismatch> mismatches) {

  /**
   * One entry whose file does not match.
   *
   * @param expected the manifest digest (base64 MD5)
   * @param actual the digest of the file found
   */
  public record Mismatch(String path, String expected, String actual) {
    public Mismatch {
      Objects.requireNonNull(path, "path is null");
      Objects.requireNonNull(expected, "expected is null");
      Objects.requireNonNull(actual, "actual is null");
    }
  }

  public VerifyReport {
    Objects.requireNonNull(root, "root is null");
    unverifiable = List.copyOf(unverifiable);
    missing = List.copyOf(missing);
    extra = List.copyOf(extra);
    mismatches = List.copyOf(mismatches);
  }

  /** No missing, extra or mismatching file. */
  public boolean ok() {
    return missing.isEmpty() && extra.isEmpty() && mismatches.isEmpty();
  }

  /** One line for logs and the CLI, naming the first few offending paths. */
  public String summary() {
    StringBuilder sb = new StringBuilder(ok() ? "OK: " : "FAILED: ");
    sb.append(verified).append(verified == 1 ? " file" : " files").append(" verified, ");
    sb.append(referencesSkipped)
        .append(referencesSkipped == 1 ? " reference" : " references")
        .append(" skipped");
    if (!unverifiable.isEmpty()) {
      sb.append(", ").append(unverifiable.size()).append(" with an unsupported digest algorithm");
    }
    if (!mismatches.isEmpty()) {
      sb.append(", ")
          .append(mismatches.size())
          .append(" mismatched ")
          .append(firstFew(mismatches.stream().map(Mismatch::path).toList()));
    }
    if (!missing.isEmpty()) {
      sb.append(", ").append(missing.size()).append(" missing ").append(firstFew(missing));
    }
    if (!extra.isEmpty()) {
      sb.append(", ").append(extra.size()).append(" not in the manifest ").append(firstFew(extra));
    }
    return sb.append(" under ").append(root).toString();
  }

  private static String firstFew(List<String> paths) {
    String shown = paths.stream().limit(3).collect(Collectors.joining(", "));
    return "(" + shown + (paths.size() > 3 ? ", ..." : "") + ")";
  }
}
