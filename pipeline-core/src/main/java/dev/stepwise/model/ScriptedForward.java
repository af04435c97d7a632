package dev.stepwise.model;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The frozen model's forward pass as one TorchScript call instead of ~50 engine calls a layer.
 *
 * <p>Through DJL each tensor operation is a JNI call that also makes a Java array object, registers
 * it with a manager and frees it through JNI again when the layer's scope closes; at Qwen2.5-0.5B's
 * shape a batch-1 decoding step took 1.26x as long that way ({@code bench model} measures both).
 * {@code decoder.torchscript} (next to this class) runs the same operations, in the same order, in
 * libtorch's interpreter, so its results equal {@link LlamaModel}'s (ScriptedForwardTest compares
 * them). It serves inference only: no gradients, no projection or MLP hooks; {@link LlamaModel}
 * uses it where those are absent and its own layers everywhere else.
 *
 * <p>The script is TorchScript's serialized source form, which libtorch compiles when it loads the
 * archive this class writes around it (the zip layout {@code torch.jit.save} produces: the code, a
 * pickled module object without attributes beyond {@code training}, and the format version).
 */
final class ScriptedForward implements AutoCloseable {

  private static final String SCRIPT = "decoder.torchscript";

  /** The cache lists of a forward pass without a cache. */
  private static final NDArray[] NO_ARRAYS = new NDArray[0];

  /**
   * {@code __torch__.Decoder()} with {@code training = True}, as pickle protocol 2 writes it: PROTO
   * 2, GLOBAL the class, EMPTY_TUPLE, NEWOBJ, EMPTY_DICT, MARK, the key (BINUNICODE, 8 bytes),
   * NEWTRUE, SETITEMS, BUILD, STOP.
   */
  private static final byte[] MODULE_PICKLE =
      "\u0080\u0002c__torch__\nDecoder\n)\u0081}(X\u0008\u0000\u0000\u0000training\u0088ub."
          .getBytes(StandardCharsets.ISO_8859_1);

  private final PtSymbolBlock module;
  private final IValue weights;
  private final IValue rotate;
  private final IValue dims;
  private final IValue eps;

  /** What the script takes for "no mask": an empty array, made once. */
  private final IValue noMask;

  private final AtomicLong calls = new AtomicLong();

  /**
   * @param weights in the order the script reads them: the embeddings; per layer the input norm,
   *     the fused q/k/v weight (and bias), o (and its bias), the post-attention norm, the fused
   *     gate/up and down; the final norm
   */
  ScriptedForward(
      NDManager manager, LlamaConfig config, List<NDArray> weights, NDArray rotateHalf) {
    this.module = load((PtNDManager) manager);
    this.weights =
        IValue.listFrom(weights.stream().map(ScriptedForward::pt).toArray(PtNDArray[]::new));
    this.rotate = IValue.from(pt(rotateHalf));
    this.dims =
        IValue.listFrom(
            config.numHiddenLayers(),
            config.numAttentionHeads(),
            config.numKeyValueHeads(),
            config.headDim(),
            config.qkvBias() ? 1 : 0,
            config.oBias() ? 1 : 0);
    this.eps = IValue.from(config.rmsNormEps());
    try (NDArray empty = manager.create(new float[0])) {
      this.noMask = IValue.from(pt(empty)); // holds its own reference to the tensor
    }
  }

  /**
   * The final-norm hidden states [batch, time, hidden] of {@code ids} after {@code start} cached
   * positions, writing their keys and values into {@code cache} (every layer's keys, then values,
   * as {@link KvCache#arraysFor} gives them; null: no cache).
   *
   * @param mask the additive attention mask, or null when nothing is masked
   */
  NDArray hidden(NDArray ids, NDArray[] rope, NDArray mask, NDArray[][] cache, int start) {
    calls.incrementAndGet();
    // The graph executor's optimizations would profile the first calls and then specialize on
    // shapes (a decoding step's change at every step); none of them fuses on the CPU. The setting
    // is per thread in libtorch, and a Spark executor calls from many.
    JniUtils.setGraphExecutorOptimize(false);
    NDManager scope = ids.getManager();
    IValue maskValue = mask == null ? noMask : IValue.from(pt(mask));
    try (IValue idsValue = IValue.from(pt(ids));
        IValue cos = IValue.from(pt(rope[0]));
        IValue sin = IValue.from(pt(rope[1]));
        IValue keys = IValue.listFrom(pts(cache == null ? NO_ARRAYS : cache[0]));
        IValue values = IValue.listFrom(pts(cache == null ? NO_ARRAYS : cache[1]));
        IValue length = IValue.from((long) start);
        IValue out =
            IValueUtils.forward(
                module,
                new IValue[] {
                  idsValue, cos, sin, maskValue, rotate, weights, keys, values, length, dims, eps
                })) {
      return out.toTensor((PtNDManager) scope);
    } finally {
      if (maskValue != noMask) maskValue.close();
    }
  }

  /** How many forward passes ran here. */
  long calls() {
    return calls.get();
  }

  private static PtNDArray[] pts(NDArray[] arrays) {
    PtNDArray[] out = new PtNDArray[arrays.length];
    for (int i = 0; i < arrays.length; i++) out[i] = pt(arrays[i]);
    return out;
  }

  private static PtNDArray pt(NDArray array) {
    return (PtNDArray) array;
  }

  private static PtSymbolBlock load(PtNDManager manager) {
    try (InputStream archive = new ByteArrayInputStream(archive())) {
      return JniUtils.loadModule(manager, archive, true, false);
    } catch (IOException | EngineException e) {
      throw new IllegalStateException(
          "cannot load the scripted decoder " + SCRIPT + ": " + e.getMessage(), e);
    }
  }

  /** The zip archive {@code torch.jit.load} reads, holding {@value #SCRIPT}. */
  private static byte[] archive() throws IOException {
    byte[] code;
    try (InputStream in = ScriptedForward.class.getResourceAsStream(SCRIPT)) {
      if (in == null) throw new IOException(SCRIPT + " is missing from the classpath");
      code = in.readAllBytes();
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      stored(zip, "decoder/data.pkl", MODULE_PICKLE);
      stored(zip, "decoder/code/__torch__.py", code);
      stored(zip, "decoder/constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'});
      stored(zip, "decoder/version", "3\n".getBytes(StandardCharsets.US_ASCII));
    }
    return bytes.toByteArray();
  }

  /** libtorch's reader wants entries stored, not deflated. */
  private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
    ZipEntry entry = new ZipEntry(name);
    entry.setMethod(ZipEntry.STORED);
    entry.setSize(data.length);
    CRC32 crc = new CRC32();
    crc.update(data);
    entry.setCrc(crc.getValue());
    zip.putNextEntry(entry);
    zip.write(data);
    zip.closeEntry();
  }

  @Override
  public void close() {
    weights.close();
    rotate.close();
    dims.close();
    eps.close();
    noMask.close();
    module.close();
  }
}
