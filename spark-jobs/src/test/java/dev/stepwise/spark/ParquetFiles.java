package dev.stepwise.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;

/** Reads a dataset's Parquet files without Spark, as a notebook or another tool would. */
public final class ParquetFiles {
  private ParquetFiles() {}

  public static List<GenericRecord> read(Path dir) {
    List<GenericRecord> rows = new ArrayList<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".parquet")).sorted().toList()) {
        var input =
            HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(file.toUri()), new Configuration());
        try (ParquetReader<GenericRecord> reader =
            AvroParquetReader.<GenericRecord>builder(input).build()) {
          for (GenericRecord r = reader.read(); r != null; r = reader.read()) rows.add(r);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
  }
}
