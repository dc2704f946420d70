package dev.artifacts.flink.table;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.table.factories.BulkReaderFormatFactory;
import org.apache.flink.connector.file.table.factories.BulkWriterFormatFactory;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.connector.format.DecodingFormat;
import org.apache.flink.table.connector.format.EncodingFormat;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.DeserializationFormatFactory;
import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.table.factories.DynamicTableSourceFactory;
import org.apache.flink.table.factories.Factory;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.factories.SerializationFormatFactory;
import org.apache.flink.table.types.DataType;

/**
 * The {@code 'connector' = 'artifact'} SQL/Table connector:
 *
 * <pre>{@code
 * CREATE TABLE events (id BIGINT, payload STRING, day STRING) PARTITIONED BY (day) WITH (
 *   'connector' = 'artifact',
 *   'registry' = 's3a://bucket/registry',
 *   'artifact' = 'acme/etl/events',
 *   'format' = 'parquet');
 * }</pre>
 *
 * <p>Formats are Flink's own, found as Flink's filesystem connector finds them: a bulk format
 * ({@code parquet}, {@code avro}, {@code orc}, {@code csv}) if one has the identifier, else a row
 * format ({@code json}, ...); their options take the format's prefix ({@code 'parquet.compression'
 * = 'SNAPPY'}). Options are listed in {@link ArtifactConnectorOptions}; all are checked when the
 * statement is planned.
 */
@Internal
public final class ArtifactDynamicTableFactory
    implements DynamicTableSourceFactory, DynamicTableSinkFactory {
  public static final String IDENTIFIER = "artifact";

  @Override
  public String factoryIdentifier() {
    return IDENTIFIER;
  }

  @Override
  public Set<ConfigOption<?>> requiredOptions() {
    return Set.of(
        ArtifactConnectorOptions.REGISTRY,
        ArtifactConnectorOptions.ARTIFACT,
        ArtifactConnectorOptions.FORMAT);
  }

  @Override
  public Set<ConfigOption<?>> optionalOptions() {
    return Set.of(
        ArtifactConnectorOptions.TYPE,
        ArtifactConnectorOptions.ALIASES,
        ArtifactConnectorOptions.TAGS,
        ArtifactConnectorOptions.DESCRIPTION,
        ArtifactConnectorOptions.METADATA,
        ArtifactConnectorOptions.STORAGE,
        ArtifactConnectorOptions.LOCATION,
        ArtifactConnectorOptions.RUN,
        ArtifactConnectorOptions.VERSION_AS_OF,
        ArtifactConnectorOptions.STREAMING,
        ArtifactConnectorOptions.MONITOR_INTERVAL);
  }

  @Override
  public DynamicTableSource createDynamicTableSource(Context context) {
    FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
    TableOptions options = tableOptions(context);
    options.validateForSource();
    String format = format(options);
    helper.validateExcept(format + ".");
    PartitionColumns partitions = partitions(options, context);
    DecodingFormat<BulkFormat<RowData, FileSourceSplit>> bulk = null;
    DecodingFormat<DeserializationSchema<RowData>> row = null;
    if (has(context, BulkReaderFormatFactory.class, format)) {
      bulk = helper.discoverDecodingFormat(BulkReaderFormatFactory.class, FactoryUtil.FORMAT);
    } else if (has(context, DeserializationFormatFactory.class, format)) {
      row = helper.discoverDecodingFormat(DeserializationFormatFactory.class, FactoryUtil.FORMAT);
    } else {
      throw noFormat(
          options,
          format,
          "reads",
          context,
          BulkReaderFormatFactory.class,
          DeserializationFormatFactory.class);
    }
    DataType physicalType = context.getPhysicalRowDataType();
    return partitions.isEmpty() || options.streaming()
        ? new ArtifactDynamicSource(options, physicalType, partitions, bulk, row)
        : new PartitionPruningArtifactSource(options, physicalType, partitions, bulk, row);
  }

  @Override
  public DynamicTableSink createDynamicTableSink(Context context) {
    FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
    TableOptions options = tableOptions(context);
    options.validateForSink();
    String format = format(options);
    // Format options are validated by the format; parquet and orc take any Hadoop key.
    helper.validateExcept(format + ".");
    PartitionColumns partitions = partitions(options, context);
    EncodingFormat<BulkWriter.Factory<RowData>> bulk = null;
    EncodingFormat<SerializationSchema<RowData>> row = null;
    if (has(context, BulkWriterFormatFactory.class, format)) {
      bulk = helper.discoverEncodingFormat(BulkWriterFormatFactory.class, FactoryUtil.FORMAT);
    } else if (has(context, SerializationFormatFactory.class, format)) {
      row = helper.discoverEncodingFormat(SerializationFormatFactory.class, FactoryUtil.FORMAT);
    } else {
      throw options.invalid(
          FactoryUtil.FORMAT.key(),
          format,
          "no Flink format that writes files has this name on the classpath; available: "
              + String.join(
                  ", ",
                  identifiers(
                      context, BulkWriterFormatFactory.class, SerializationFormatFactory.class))
              + ". Add the format's jar (e.g. flink-parquet, flink-csv) to Flink's lib/");
    }
    ArtifactDynamicSink sink = new ArtifactDynamicSink(options, partitions, format, bulk, row);
    sink.validate();
    return sink;
  }

  private static PartitionColumns partitions(TableOptions options, Context context) {
    return new PartitionColumns(
        options.table() + " (" + options.artifact() + ")",
        context.getPhysicalRowDataType(),
        context.getCatalogTable().getPartitionKeys());
  }

  private static ValidationException noFormat(
      TableOptions options, String format, String verb, Context context, Class<?>... kinds) {
    return options.invalid(
        FactoryUtil.FORMAT.key(),
        format,
        "no Flink format that "
            + verb
            + " files has this name on the classpath; available: "
            + String.join(", ", identifiers(context, kinds))
            + ". Add the format's jar (e.g. flink-parquet, flink-csv) to Flink's lib/");
  }

  private static TableOptions tableOptions(Context context) {
    return new TableOptions(
        context.getObjectIdentifier().asSummaryString(), context.getCatalogTable().getOptions());
  }

  private static String format(TableOptions options) {
    String format = options.get(FactoryUtil.FORMAT.key());
    if (format == null || format.isBlank()) {
      throw new ValidationException(
          "Missing option 'format' for table "
              + options.table()
              + ": set it to a Flink format such as 'parquet', 'avro', 'csv' or 'json'");
    }
    return format;
  }

  private static boolean has(Context context, Class<?> kind, String identifier) {
    return factories(context).stream()
        .anyMatch(f -> kind.isInstance(f) && f.factoryIdentifier().equals(identifier));
  }

  private static Set<String> identifiers(Context context, Class<?>... kinds) {
    Set<String> out = new TreeSet<>();
    for (Factory f : factories(context)) {
      for (Class<?> kind : kinds) {
        if (kind.isInstance(f)) {
          out.add(f.factoryIdentifier());
        }
      }
    }
    return out;
  }

  private static List<Factory> factories(Context context) {
    List<Factory> out = new ArrayList<>();
    ServiceLoader.load(Factory.class, context.getClassLoader()).forEach(out::add);
    return out;
  }
}
