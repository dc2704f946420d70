package dev.artifacts.flink.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.flink.sink.ArtifactPartitioner;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.List;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.LogicalType;
import org.junit.jupiter.api.Test;

/** Partition values are written as Spark writes them and parse back to the same values. */
class PartitionColumnsTest {
  private static final DataType ROW =
      DataTypes.ROW(
          DataTypes.FIELD("id", DataTypes.BIGINT()),
          DataTypes.FIELD("s", DataTypes.STRING()),
          DataTypes.FIELD("d", DataTypes.DATE()),
          DataTypes.FIELD("ts", DataTypes.TIMESTAMP(6)),
          DataTypes.FIELD("dec", DataTypes.DECIMAL(10, 3)),
          DataTypes.FIELD("b", DataTypes.BOOLEAN()),
          DataTypes.FIELD("i", DataTypes.INT()));

  private static final List<String> KEYS = List.of("s", "d", "ts", "dec", "b", "i");

  @Test
  void writesSparkTextWithEscapingAndDefaultPartition() throws Exception {
    PartitionColumns columns = new PartitionColumns("t", ROW, KEYS);
    assertThat(columns.dataIndexes()).containsExactly(0);
    assertThat(DataType.getFieldNames(columns.dataType())).containsExactly("id");

    ArtifactPartitioner<RowData> partitioner = columns.partitioner();
    GenericRowData row =
        GenericRowData.of(
            7L,
            StringData.fromString("a/b=c"),
            (int) LocalDate.of(2024, 1, 31).toEpochDay(),
            TimestampData.fromLocalDateTime(LocalDateTime.of(2024, 1, 31, 10, 15, 0, 120_000_000)),
            DecimalData.fromBigDecimal(new BigDecimal("-1.500"), 10, 3),
            true,
            42);
    assertThat(partitioner.partitionPath(row))
        .isEqualTo("s=a%2Fb%3Dc/d=2024-01-31/ts=2024-01-31 10%3A15%3A00.12/dec=-1.500/b=true/i=42");

    GenericRowData nulls =
        GenericRowData.of(7L, StringData.fromString(""), null, null, null, null, null);
    assertThat(partitioner.partitionPath(nulls))
        .isEqualTo(
            "s=__HIVE_DEFAULT_PARTITION__/d=__HIVE_DEFAULT_PARTITION__"
                + "/ts=__HIVE_DEFAULT_PARTITION__/dec=__HIVE_DEFAULT_PARTITION__"
                + "/b=__HIVE_DEFAULT_PARTITION__/i=__HIVE_DEFAULT_PARTITION__");
  }

  @Test
  void parsesTheTextBack() {
    assertThat(parse("a/b", DataTypes.STRING())).isEqualTo(StringData.fromString("a/b"));
    assertThat(parse("2024-01-31", DataTypes.DATE()))
        .isEqualTo((int) LocalDate.of(2024, 1, 31).toEpochDay());
    assertThat(parse("2024-01-31 10:15:00.12", DataTypes.TIMESTAMP(6)))
        .isEqualTo(
            TimestampData.fromLocalDateTime(LocalDateTime.of(2024, 1, 31, 10, 15, 0, 120_000_000)));
    assertThat(parse("2024-01-31T10:15:00", DataTypes.TIMESTAMP(3)))
        .isEqualTo(TimestampData.fromLocalDateTime(LocalDateTime.of(2024, 1, 31, 10, 15)));
    assertThat(parse("-1.5", DataTypes.DECIMAL(10, 3)))
        .isEqualTo(DecimalData.fromBigDecimal(new BigDecimal("-1.500"), 10, 3));
    assertThat(parse("false", DataTypes.BOOLEAN())).isEqualTo(false);
    assertThat(parse("42", DataTypes.BIGINT())).isEqualTo(42L);
    assertThat(parse("__HIVE_DEFAULT_PARTITION__", DataTypes.INT())).isNull();
    assertThat(parse(null, DataTypes.INT())).isNull();
  }

  @Test
  void badValuesAndColumnsAreNamed() {
    assertThatThrownBy(() -> parse("x1", DataTypes.INT()))
        .hasMessageContaining("Invalid partition value c='x1' in t (a/b/c)")
        .hasMessageContaining("INT");
    assertThatThrownBy(() -> parse("123456789", DataTypes.DECIMAL(4, 2)))
        .hasMessageContaining("c='123456789'");
    assertThatThrownBy(() -> parse("yes", DataTypes.BOOLEAN())).hasMessageContaining("c='yes'");
    assertThatThrownBy(
            () ->
                new PartitionColumns(
                    "t",
                    DataTypes.ROW(
                        DataTypes.FIELD("id", DataTypes.BIGINT()),
                        DataTypes.FIELD("raw", DataTypes.BYTES())),
                    List.of("raw")))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("Invalid partition column 'raw' of type BYTES in t");
    assertThatThrownBy(
            () ->
                new PartitionColumns(
                    "t", DataTypes.ROW(DataTypes.FIELD("p", DataTypes.STRING())), List.of("p")))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("every column is a partition column");
    assertThatThrownBy(
            () ->
                new PartitionColumns(
                    "t",
                    DataTypes.ROW(
                        DataTypes.FIELD("id", DataTypes.BIGINT()),
                        DataTypes.FIELD("a#b", DataTypes.STRING())),
                    List.of("a#b")))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("Invalid partition column 'a#b' in t");
  }

  private static Object parse(String text, DataType type) {
    LogicalType logical = type.getLogicalType();
    return PartitionColumns.parse(text, logical, "c", "t (a/b/c)");
  }
}
