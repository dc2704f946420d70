package dev.artifacts.common.registry.contract;

import dev.artifacts.common.registry.fs.FileSystemRegistry;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** What the embedded registry stores under a root, read straight from its filesystem. */
final class StoredBodies {
  private StoredBodies() {}

  /** Hex MD5 of every body in {@code <root>/<entity>/<project>/objects/md5/}. */
  static Set<String> of(FileSystem fs, Path root, String entity, String project)
      throws IOException {
    Path objects = new Path(new Path(new Path(new Path(root, entity), project), "objects"), "md5");
    Set<String> out = new TreeSet<>();
    FileStatus[] prefixes;
    try {
      prefixes = fs.listStatus(objects);
    } catch (FileNotFoundException e) {
      return out;
    }
    for (FileStatus prefix : prefixes) {
      for (FileStatus object : fs.listStatus(prefix.getPath())) {
        if (!object.getPath().getName().startsWith(".")) {
          out.add(prefix.getPath().getName() + object.getPath().getName());
        }
      }
    }
    return out;
  }

  /** fsck's problems (without repair), one line each. */
  static List<String> problems(FileSystemRegistry registry) {
    return registry.fsck(false).problems().stream()
        .map(p -> p.path() + ": " + p.description())
        .toList();
  }
}
