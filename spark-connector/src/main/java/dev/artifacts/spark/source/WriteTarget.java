package dev.artifacts.spark.source;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.connector.expressions.Expressions;
import org.apache.spark.sql.connector.expressions.NamedReference;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.types.StructType;

/**
 * The collection a write goes to and what its latest version says about it.
 *
 * @param partitionColumns partition columns of the write, in path order
 * @param latest latest version when the table was loaded, or null for a new collection
 */
record WriteTarget(
    String registryUri,
    ArtifactPath collection,
    List<String> partitionColumns,
    ArtifactVersion latest) {
  WriteTarget {
    Objects.requireNonNull(registryUri, "registryUri is null");
    Objects.requireNonNull(collection, "collection is null");
    partitionColumns = List.copyOf(partitionColumns);
  }

  /** Schema recorded by the Spark write of the latest version, or null. */
  StructType existingSchema() {
    return latest == null ? null : SparkCommitProperties.schema(latest);
  }

  /** Format recorded by the Spark write of the latest version, or null. */
  String existingFormat() {
    return latest == null ? null : SparkCommitProperties.format(latest);
  }

  /** Column names of identity transforms; other transforms cannot become {@code col=value} dirs. */
  static List<String> partitionColumns(Transform[] partitioning, ArtifactPath collection) {
    List<String> columns = new ArrayList<>();
    for (Transform t : partitioning) {
      if (!"identity".equals(t.name()) || t.references().length != 1) {
        throw new ArtifactException.InvalidInput(
            "Cannot partition "
                + collection
                + " by "
                + t.describe()
                + ": only plain columns (partitionBy(\"col\")) are supported");
      }
      NamedReference ref = t.references()[0];
      columns.add(String.join(".", ref.fieldNames()));
    }
    return columns;
  }

  static Transform[] transforms(List<String> columns) {
    Transform[] out = new Transform[columns.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = Expressions.identity(columns.get(i));
    }
    return out;
  }
}
