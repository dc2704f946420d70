package dev.artifacts.common.registry.fs;

import org.apache.hadoop.fs.FileSystem;

/** Chooses a {@link PutIfAbsent} implementation per filesystem scheme. */
final class PutIfAbsentStrategies {
  private PutIfAbsentStrategies() {}

  static PutIfAbsent forFileSystem(FileSystem fs) {
    throw new UnsupportedOperationException(
        "No atomic put-if-absent for scheme '" + fs.getScheme() + "' yet");
  }
}
