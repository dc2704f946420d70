package dev.artifacts.spark.source;

import dev.artifacts.common.options.ArtifactOptions.Storage;
import dev.artifacts.common.registry.UploadSession;
import java.util.Objects;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.DataWriterFactory;
import org.apache.spark.sql.execution.datasources.OutputWriterFactory;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;

/**
 * Sent to the executors: everything a task needs to write and hash its files. Serializable, holds
 * no open resources; the registry is reopened on the executor from its {@link
 * SparkRegistries.Handle}.
 *
 * @param operationId unique per write; part of every physical file name
 * @param schema the rows the tasks receive (partition columns included)
 * @param partitionOrdinals ordinals of the partition columns in {@code schema}, in order
 * @param dataSchema {@code schema} without the partition columns: what the files hold
 * @param outputs Spark's writer factory for the format, prepared on the driver
 * @param jobConf the job's Hadoop configuration (with {@code artifacthash://} installed)
 * @param location qualified directory URI for reference storage, else null
 * @param uniqueLogicalNames put the operation id into logical names (appends, which must not
 *     replace earlier files); otherwise logical names are deterministic so that rewriting identical
 *     data yields an identical manifest and the registry dedups the version
 * @param timeZone session time zone, for partition values of dates and timestamps
 * @param uploads where tasks store bodies for {@code storage=files} (begun on the driver), else
 *     null
 */
record ArtifactDataWriterFactory(
    SparkRegistries.Handle registry,
    String entity,
    String project,
    String operationId,
    StructType schema,
    int[] partitionOrdinals,
    StructType dataSchema,
    OutputWriterFactory outputs,
    SerializableConfiguration jobConf,
    Storage storage,
    String location,
    boolean uniqueLogicalNames,
    String timeZone,
    UploadSession uploads)
    implements DataWriterFactory {

  ArtifactDataWriterFactory {
    Objects.requireNonNull(registry, "registry is null");
    Objects.requireNonNull(operationId, "operationId is null");
    Objects.requireNonNull(outputs, "outputs is null");
    partitionOrdinals = partitionOrdinals.clone();
    if (storage == Storage.REFERENCE) {
      Objects.requireNonNull(location, "location is null");
    } else {
      Objects.requireNonNull(uploads, "uploads is null");
    }
  }

  @Override
  public DataWriter<InternalRow> createWriter(int partitionId, long taskId) {
    TaskContext context = TaskContext.get();
    int attempt = context == null ? 0 : context.attemptNumber();
    return new ArtifactDataWriter(this, partitionId, taskId, attempt);
  }
}
