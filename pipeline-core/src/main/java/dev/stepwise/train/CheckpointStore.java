package dev.stepwise.train;

import java.io.IOException;
import java.nio.file.Path;

/** Writes the model's current weights as an HF directory, and loads them back in place. */
public interface CheckpointStore {

  void save(Path directory) throws IOException;

  void restore(Path directory) throws IOException;
}
