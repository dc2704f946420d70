package dev.artifacts.common.registry.fs;

import java.net.URI;
import java.util.List;

/** The {@code -D} options a {@link CommitWorker} needs, for tests outside this package. */
public final class CommitWorkerProperties {
  private CommitWorkerProperties() {}

  /** Options that point a worker at an S3Proxy. */
  public static List<String> s3(URI endpoint, String accessKey, String secretKey) {
    return List.of(
        "-D" + CommitWorker.ENDPOINT + "=" + endpoint,
        "-D" + CommitWorker.ACCESS_KEY + "=" + accessKey,
        "-D" + CommitWorker.SECRET_KEY + "=" + secretKey);
  }
}
