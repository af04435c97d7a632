package dev.stepwise.spark.cli;

import dev.stepwise.io.TensorDType;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.lora.AdapterDirectory;
import dev.stepwise.model.lora.LoraAdapter;
import dev.stepwise.spark.runtime.StepwiseException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `stepwise model merge`: a LoRA adapter folded into its base, written as a plain HF checkpoint.
 */
@Command(
    name = "merge",
    mixinStandardHelpOptions = true,
    description = {
      "Fold a LoRA adapter directory into its base model: W' = W + (alpha/r) B A on every adapted projection.",
      "The base is the adapter's base_model_name_or_path; the output is a plain HF directory",
      "(config.json, model.safetensors, generation_config.json, tokenizer files)."
    })
public final class ModelMergeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--adapter",
      required = true,
      paramLabel = "DIR",
      description = "PEFT adapter directory (adapter_config.json, adapter_model.safetensors).")
  Path adapter;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Directory to write (must not hold a model yet).")
  Path out;

  @Option(
      names = "--dtype",
      paramLabel = "F32|F16|BF16",
      description = "Weight dtype of the output (default: the base's torch_dtype).")
  String dtype;

  @Override
  public Integer call() throws Exception {
    if (!AdapterDirectory.isAdapter(adapter)) {
      throw new StepwiseException(
          adapter
              + ": no "
              + AdapterDirectory.CONFIG
              + "; expected a LoRA adapter directory (see stepwise.train.lora)");
    }
    if (Files.exists(out.resolve(Checkpoint.CONFIG))) {
      throw new StepwiseException(
          out + " already holds a model (config.json); choose a new --out directory");
    }
    return LoadedModel.userErrors(this::merge);
  }

  private Integer merge() throws Exception {
    // Folded in F32 whatever stepwise.model.dtype says, then written in the output dtype.
    try (LoadedModel loaded = LoadedModel.open(adapter, TensorDType.F32)) {
      LoraAdapter lora = (LoraAdapter) loaded.model().projectionHook();
      TensorDType type =
          TensorDType.parse(dtype != null ? dtype : loaded.model().config().torchDtype());
      lora.mergeInto(loaded.model());
      Checkpoint.save(loaded.model(), out, type, loaded.tokenizerDir());
      PrintWriter w = spec.commandLine().getOut();
      w.printf(
          "model merge: wrote %s (%s) = %s + adapter %s (r=%d, lora_alpha=%s, %s)%n",
          out,
          type,
          lora.base(),
          adapter,
          lora.settings().r(),
          lora.settings().alpha(),
          String.join(",", lora.settings().targetModules()));
      w.flush();
    }
    return 0;
  }
}
