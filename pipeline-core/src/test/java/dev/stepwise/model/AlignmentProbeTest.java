package dev.stepwise.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.stepwise.train.DpoObjective;
import dev.stepwise.train.LlamaTrainable;
import dev.stepwise.train.PreferencePair;
import dev.stepwise.train.StepDpoLoss;
import dev.stepwise.train.TrainSettings;
import dev.stepwise.train.Trainer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlignmentProbeTest {
  static long address(ByteBuffer b) throws Exception {
    var f = java.nio.Buffer.class.getDeclaredField("address");
    f.setAccessible(true);
    return f.getLong(b);
  }

  static ByteBuffer at(int offset, float[] values) throws Exception {
    ByteBuffer raw = ByteBuffer.allocateDirect(values.length * 4 + 128);
    int skip = (int) ((64 - address(raw) % 64) % 64) + offset;
    raw.position(skip);
    ByteBuffer b = raw.slice().order(ByteOrder.nativeOrder());
    b.limit(values.length * 4);
    b.asFloatBuffer().put(values);
    return b;
  }

  @Test
  void probe(@TempDir Path dir) throws Exception {
    LlamaConfig config = TinyPreset.config(64, null, 1);
    TinyPreset.writeRandomInit(config, 3, dir.resolve("init"), null);
    SplittableRandom random = new SplittableRandom(5);
    List<PreferencePair> pairs = new ArrayList<>();
    for (int i = 0; i < 48; i++) {
      int[] prefix = random.ints(20 + random.nextInt(30), 2, 64).toArray();
      int[] chosen = random.ints(6 + random.nextInt(10), 2, 64).toArray();
      int[] rejected = random.ints(6 + random.nextInt(10), 2, 64).toArray();
      pairs.add(new PreferencePair(prefix, chosen, rejected, -30, -31));
    }
    for (int offset : new int[] {-1, 0, 16, 4}) {
      try (NDManager manager = NDManager.newBaseManager(); LlamaModel loaded = Checkpoint.load(dir.resolve("init"), manager)) {
        LlamaModel model = loaded;
        if (offset >= 0) {
          Map<String, NDArray> params = new LinkedHashMap<>();
          NDManager sub = manager.newSubManager();
          for (var e : loaded.parameters().entrySet()) {
            params.put(e.getKey(), sub.create(at(offset, e.getValue().toFloatArray()), e.getValue().getShape(), DataType.FLOAT32));
          }
          model = new LlamaModel(loaded.config(), sub, params);
        }
        LlamaTrainable t = new LlamaTrainable(model, null);
        TrainSettings s = new TrainSettings(16, 1, 20, 0, 1e-3, 0.1, 0.1, 1.0, 0.0, 7, 1, 0, false);
        new Trainer<>(s, new DpoObjective(new StepDpoLoss(0.1, 0)), t, t, new Trainer.Listener() {}).train(pairs, dir.resolve("out" + System.nanoTime()));
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (NDArray p : model.parameters().values()) {
          for (float f : p.toFloatArray()) md.update(ByteBuffer.allocate(4).putFloat(f).array());
        }
        System.out.println("PROBE offset " + offset + " -> " + HexFormat.of().formatHex(md.digest()).substring(0, 16));
      }
    }
  }
}
