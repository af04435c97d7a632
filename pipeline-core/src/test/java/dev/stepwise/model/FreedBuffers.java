package dev.stepwise.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes a use-after-free of a Java direct buffer visible: the garbage collector runs, so that
 * buffers nothing references any more are freed, and new NaN-filled buffers of the same size then
 * take over that memory.
 */
public final class FreedBuffers {
  private FreedBuffers() {}

  /** Returns the new buffers; keep them reachable until the check is done. */
  public static List<ByteBuffer> collectAndReuse(int bytes) throws InterruptedException {
    List<ByteBuffer> garbage = new ArrayList<>();
    for (int round = 0; round < 5; round++) {
      System.gc();
      Thread.sleep(20);
      for (int i = 0; i < 2_000; i++) {
        ByteBuffer b = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
        for (int f = 0; f + 4 <= bytes; f += 4) b.putFloat(f, Float.NaN);
        garbage.add(b);
      }
    }
    return garbage;
  }
}
