package dev.artifacts.flink.table;

import dev.artifacts.common.name.PartitionPaths;
import dev.artifacts.flink.sink.ArtifactPartitioner;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

/**
 * The {@code PARTITIONED BY} columns of an artifact table: they become {@code col=value/}
 * directories of the logical paths and are not stored inside the files, as in Flink's filesystem
 * connector and in Spark. Values are written as Spark writes them ({@code 2024-01-31}, {@code
 * 2024-01-31 10:15:00}, plain decimals), so partitions written by either engine read back in the
 * other; {@code null} and the empty string become {@link
 * ArtifactPartitioner#DEFAULT_PARTITION_NAME}.
 */
final class PartitionColumns {
  /** Spark's partition timestamp text: a space, seconds always, the fraction only when present. */
  static final DateTimeFormatter TIMESTAMP =
      new DateTimeFormatterBuilder()
          .append(DateTimeFormatter.ISO_LOCAL_DATE)
          .appendLiteral(' ')
          .appendPattern("HH:mm:ss")
          .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
          .toFormatter(Locale.ROOT);

  private final String table;
  private final List<String> names;
  private final List<String> columns;
  private final List<DataType> types;

  /**
   * @param table the table (and artifact) for messages
   * @param physicalType the table's physical row type
   * @param partitionKeys the {@code PARTITIONED BY} columns, in order
   */
  PartitionColumns(String table, DataType physicalType, List<String> partitionKeys) {
    this.table = table;
    this.names = DataType.getFieldNames(physicalType);
    this.types = DataType.getFieldDataTypes(physicalType);
    this.columns = List.copyOf(partitionKeys);
    for (String column : columns) {
      LogicalType type = types.get(names.indexOf(column)).getLogicalType();
      if (!supported(type)) {
        throw new ValidationException(
            "Invalid partition column '"
                + column
                + "' of type "
                + type
                + " in "
                + table
                + ": partition columns must be strings, booleans, numbers, decimals, dates or"
                + " timestamps without time zone");
      }
      if (column.isEmpty() || !column.equals(PartitionPaths.escape(column))) {
        throw new ValidationException(
            "Invalid partition column '"
                + column
                + "' in "
                + table
                + ": a partition column name cannot contain characters that directory names"
                + " escape, such as '/', '=', '%', ':', '#' or '?'");
      }
    }
    if (columns.size() == names.size() && !columns.isEmpty()) {
      throw new ValidationException(
          "Invalid PARTITIONED BY in "
              + table
              + ": every column is a partition column, so the files would have no columns;"
              + " keep at least one column out of PARTITIONED BY");
    }
  }

  List<String> columns() {
    return columns;
  }

  boolean isEmpty() {
    return columns.isEmpty();
  }

  /** Positions of the columns stored in the files, in table order. */
  int[] dataIndexes() {
    return IntStream.range(0, names.size()).filter(i -> !columns.contains(names.get(i))).toArray();
  }

  /** The row type stored in the files: the physical type without the partition columns. */
  DataType dataType() {
    List<DataTypes.Field> fields = new ArrayList<>();
    for (int i : dataIndexes()) {
      fields.add(DataTypes.FIELD(names.get(i), types.get(i)));
    }
    return DataTypes.ROW(fields).notNull();
  }

  /** The sink's partitioner, or {@code null} when the table is not partitioned. */
  ArtifactPartitioner<RowData> partitioner() {
    ArtifactPartitioner<RowData> partitioner = null;
    for (String column : columns) {
      int index = names.indexOf(column);
      KeySelector<RowData, String> key =
          new ValueText(
              RowData.createFieldGetter(types.get(index).getLogicalType(), index),
              types.get(index).getLogicalType().getTypeRoot());
      partitioner =
          partitioner == null ? ArtifactPartitioner.of(column, key) : partitioner.and(column, key);
    }
    return partitioner;
  }

  /** The internal value of a partition directory's (unescaped) text, {@code null} for default. */
  static Object parse(String text, LogicalType type, String column, String table) {
    if (text == null || text.equals(ArtifactPartitioner.DEFAULT_PARTITION_NAME)) {
      return null;
    }
    try {
      return switch (type.getTypeRoot()) {
        case CHAR, VARCHAR -> StringData.fromString(text);
        case BOOLEAN -> parseBoolean(text);
        case TINYINT -> Byte.parseByte(text);
        case SMALLINT -> Short.parseShort(text);
        case INTEGER -> Integer.parseInt(text);
        case BIGINT -> Long.parseLong(text);
        case FLOAT -> Float.parseFloat(text);
        case DOUBLE -> Double.parseDouble(text);
        case DECIMAL -> {
          DecimalType d = (DecimalType) type;
          DecimalData value =
              DecimalData.fromBigDecimal(new BigDecimal(text), d.getPrecision(), d.getScale());
          if (value == null) {
            throw new NumberFormatException("does not fit " + type);
          }
          yield value;
        }
        case DATE -> (int) LocalDate.parse(text).toEpochDay();
        case TIMESTAMP_WITHOUT_TIME_ZONE ->
            TimestampData.fromLocalDateTime(
                java.time.LocalDateTime.parse(text.replace('T', ' '), TIMESTAMP));
        default -> throw new IllegalArgumentException("unsupported type " + type);
      };
    } catch (IllegalArgumentException | DateTimeParseException e) {
      throw new IllegalArgumentException(
          "Invalid partition value "
              + column
              + "='"
              + text
              + "' in "
              + table
              + ": it is not a "
              + type
              + " ("
              + e.getMessage()
              + ")",
          e);
    }
  }

  private static boolean parseBoolean(String text) {
    return switch (text.toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("expected true or false");
    };
  }

  private static boolean supported(LogicalType type) {
    return switch (type.getTypeRoot()) {
      case CHAR,
              VARCHAR,
              BOOLEAN,
              TINYINT,
              SMALLINT,
              INTEGER,
              BIGINT,
              FLOAT,
              DOUBLE,
              DECIMAL,
              DATE,
              TIMESTAMP_WITHOUT_TIME_ZONE ->
          true;
      default -> false;
    };
  }

  /** The text of one partition column's value, as Spark writes it. */
  private record ValueText(RowData.FieldGetter getter, LogicalTypeRoot root)
      implements KeySelector<RowData, String> {
    @Override
    public String getKey(RowData row) {
      Object value = getter.getFieldOrNull(row);
      if (value == null) {
        return null;
      }
      if (value instanceof DecimalData d) {
        return d.toBigDecimal().toPlainString();
      }
      if (value instanceof TimestampData t) {
        return TIMESTAMP.format(t.toLocalDateTime());
      }
      if (root == LogicalTypeRoot.DATE) {
        return LocalDate.ofEpochDay((Integer) value).toString();
      }
      return value.toString();
    }
  }
}
