package dev.stepwise.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {

  @TempDir Path dir;

  private static final float[] VALUES = {
    0f, 1f, -2.5f, 3.140625f, 1e-3f, -65504f, 1.0009765625f, 7.3e-6f
  };

  private static float[] read(Path file, String name) throws IOException {
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      ByteBuffer b =
          ByteBuffer.allocate((int) f.info(name).elements() * 4).order(ByteOrder.nativeOrder());
      f.read(name, 0, b, TensorDType.F32);
      float[] out = new float[b.capacity() / 4];
      b.flip().asFloatBuffer().get(out);
      return out;
    }
  }

  @Test
  void f32RoundTripIsExactAndHeaderIsHfShaped() throws IOException {
    Path file = dir.resolve("m.safetensors");
    SafetensorsWriter.write(
        file,
        List.of(
            new SafetensorsWriter.NamedTensor("b", new long[] {2, 4}, VALUES),
            new SafetensorsWriter.NamedTensor("a", new long[] {1}, new float[] {42f})),
        TensorDType.F32);
    assertThat(read(file, "b")).containsExactly(VALUES);
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      assertThat(f.metadata()).containsEntry("format", "pt");
      assertThat(f.info("b").shape()).containsExactly(2, 4);
      assertThat(f.info("a").begin()).isZero(); // data laid out in name order
    }
    long headerLength =
        ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertThat(headerLength % 8).isZero();
  }

  @Test
  void shardPathsOutsideTheModelDirectoryAreRefused() throws IOException {
    Path model = Files.createDirectories(dir.resolve("models/m"));
    Path outside = dir.resolve("x.safetensors");
    SafetensorsWriter.write(
        outside,
        List.of(new SafetensorsWriter.NamedTensor("w", new long[] {1}, new float[] {1f})),
        TensorDType.F32);
    SafetensorsWriter.write(
        model.resolve("s1.safetensors"),
        List.of(new SafetensorsWriter.NamedTensor("w", new long[] {1}, new float[] {2f})),
        TensorDType.F32);
    Path index = model.resolve(ShardedSafetensors.INDEX);
    for (String bad :
        List.of(
            "../../x.safetensors", outside.toString(), "sub/../../../x.safetensors", "..", "")) {
      Files.writeString(index, "{\"weight_map\": {\"w\": \"" + bad.replace("\\", "\\\\") + "\"}}");
      assertThatThrownBy(() -> ShardedSafetensors.openIndex(index))
          .as(bad)
          .isInstanceOf(IOException.class)
          .hasMessage(
              index
                  + ": shard path '"
                  + bad
                  + "' is outside the model directory "
                  + model
                  + "; an index may only name files in its own directory");
    }
    Files.writeString(index, "{\"weight_map\": {\"w\": \"./s1.safetensors\"}}");
    try (ShardedSafetensors ok = ShardedSafetensors.openIndex(index)) {
      ByteBuffer w = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
      ok.read("w", 0, w, TensorDType.F32);
      assertThat(w.getFloat(0)).isEqualTo(2f);
    }
  }

  @Test
  void bf16AndF16AreRoundedToNearestEvenAndWidenedOnRead() throws IOException {
    Path bf16 = dir.resolve("bf16.safetensors");
    Path f16 = dir.resolve("f16.safetensors");
    SafetensorsWriter.write(
        bf16,
        List.of(new SafetensorsWriter.NamedTensor("w", new long[] {8}, VALUES)),
        TensorDType.BF16);
    SafetensorsWriter.write(
        f16,
        List.of(new SafetensorsWriter.NamedTensor("w", new long[] {8}, VALUES)),
        TensorDType.F16);
    // Expected values as torch computes x.to(bfloat16).float() and x.half().float().
    assertThat(read(bf16, "w"))
        .containsExactly(0f, 1f, -2.5f, 3.140625f, 0.00099945068359375f, -65536f, 1f, 7.301569e-6f);
    assertThat(read(f16, "w"))
        .containsExactly(
            0f,
            1f,
            -2.5f,
            3.140625f,
            0.0010004043579101562f,
            -65504f,
            1.0009765625f,
            7.271766662597656e-6f);
    assertThat(Files.size(bf16)).isEqualTo(8 + headerLength(bf16) + 16);
  }

  private static long headerLength(Path file) throws IOException {
    return ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  @Test
  void truncatedFileNamesTheFileAndTensor() throws IOException {
    Path file = dir.resolve("t.safetensors");
    SafetensorsWriter.write(
        file,
        List.of(new SafetensorsWriter.NamedTensor("layer.weight", new long[] {8}, VALUES)),
        TensorDType.F32);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(raf.length() - 4);
    }
    assertThatThrownBy(() -> SafetensorsFile.open(file))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("layer.weight")
        .hasMessageContaining("truncated");
  }

  @Test
  void corruptHeadersAreRejectedWithTheFileName() throws IOException {
    Path tiny = dir.resolve("tiny.safetensors");
    Files.write(tiny, new byte[] {1, 2, 3});
    assertThatThrownBy(() -> SafetensorsFile.open(tiny))
        .hasMessageContaining(tiny.toString())
        .hasMessageContaining("not a safetensors file");

    Path hugeHeader = dir.resolve("huge.safetensors");
    Files.write(
        hugeHeader,
        ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array());
    assertThatThrownBy(() -> SafetensorsFile.open(hugeHeader))
        .hasMessageContaining("header length");

    Path notJson = dir.resolve("json.safetensors");
    byte[] header = "{\"w\": oops}     ".getBytes(StandardCharsets.UTF_8);
    ByteBuffer b =
        ByteBuffer.allocate(8 + header.length)
            .order(ByteOrder.LITTLE_ENDIAN)
            .putLong(header.length)
            .put(header);
    Files.write(notJson, b.array());
    assertThatThrownBy(() -> SafetensorsFile.open(notJson))
        .hasMessageContaining(notJson.toString())
        .hasMessageContaining("header");

    Path badOffsets = dir.resolve("offsets.safetensors");
    byte[] h2 =
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}"
            .getBytes(StandardCharsets.UTF_8);
    Files.write(
        badOffsets,
        ByteBuffer.allocate(8 + h2.length + 8)
            .order(ByteOrder.LITTLE_ENDIAN)
            .putLong(h2.length)
            .put(h2)
            .array());
    assertThatThrownBy(() -> SafetensorsFile.open(badOffsets))
        .hasMessageContaining("'w'")
        .hasMessageContaining("[3]");
  }

  @Test
  void missingTensorAndUnsupportedDtypeNameTheFileAndTensor() throws IOException {
    Path file = dir.resolve("i.safetensors");
    byte[] h =
        "{\"ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}"
            .getBytes(StandardCharsets.UTF_8);
    Files.write(
        file,
        ByteBuffer.allocate(8 + h.length + 8)
            .order(ByteOrder.LITTLE_ENDIAN)
            .putLong(h.length)
            .put(h)
            .array());
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      assertThatThrownBy(() -> f.read("ids", 0, ByteBuffer.allocate(4), TensorDType.F32))
          .hasMessageContaining(file.toString())
          .hasMessageContaining("'ids'")
          .hasMessageContaining("I64");
      assertThatThrownBy(() -> f.info("nope"))
          .hasMessageContaining(file.toString())
          .hasMessageContaining("'nope'");
    }
  }

  @Test
  void blocksAtAnOffsetConvertToF16AndOutOfRangeValuesNameTheTensor() throws IOException {
    Path file = dir.resolve("b.safetensors");
    SafetensorsWriter.write(
        file,
        List.of(
            new SafetensorsWriter.NamedTensor("w", new long[] {2, 4}, VALUES),
            new SafetensorsWriter.NamedTensor("big", new long[] {2}, new float[] {1f, 70000f})),
        TensorDType.BF16);
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      ByteBuffer halves = ByteBuffer.allocate(6).order(ByteOrder.nativeOrder());
      f.read("w", 2, halves, TensorDType.F16);
      assertThat(halves.position()).isEqualTo(6);
      halves.flip();
      // BF16 -2.5, 3.140625, 0.00099945 to F16: the first two are exact, the third rounds to F16's
      // grid.
      assertThat(Halfs.f16ToFloat(halves.getShort())).isEqualTo(-2.5f);
      assertThat(Halfs.f16ToFloat(halves.getShort())).isEqualTo(3.140625f);
      assertThat(Halfs.f16ToFloat(halves.getShort()))
          .isEqualTo(Halfs.f16ToFloat(Halfs.floatToF16(0.00099945068359375f)));
      ByteBuffer ok = ByteBuffer.allocate(2).order(ByteOrder.nativeOrder());
      f.read("big", 0, ok, TensorDType.F16);
      assertThatThrownBy(() -> f.read("big", 0, ByteBuffer.allocate(4), TensorDType.F16))
          .isInstanceOf(IOException.class)
          .hasMessageContaining(file.toString())
          .hasMessageContaining("'big'")
          .hasMessageContaining("element 1")
          .hasMessageContaining("65504");
      assertThatThrownBy(() -> f.read("w", 7, ByteBuffer.allocate(8), TensorDType.F32))
          .hasMessageContaining("'w'");
    }
  }

  @Test
  void allZeroBlocksAreLeftAsHolesAndReadBackAsZeros() throws IOException {
    Path file = dir.resolve("sparse.safetensors");
    long n = 3L << 20; // three writer blocks; only the middle one holds a value
    SafetensorsWriter.write(
        file,
        List.of(
            new SafetensorsWriter.NamedTensor(
                "z",
                new long[] {n},
                (first, into) -> {
                  Arrays.fill(into, 0f);
                  if (first == 1L << 20) into[5] = 2f;
                })),
        TensorDType.F32);
    assertThat(Files.size(file)).isEqualTo(8 + headerLength(file) + n * 4);
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder());
      f.read("z", (1L << 20) + 4, b, TensorDType.F32);
      assertThat(b.flip().asFloatBuffer().get(1)).isEqualTo(2f);
      ByteBuffer last = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
      f.read("z", n - 1, last, TensorDType.F32);
      assertThat(last.flip().getFloat()).isZero();
    }
  }
}
