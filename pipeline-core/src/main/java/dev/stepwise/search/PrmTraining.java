package dev.stepwise.search;

import dev.stepwise.model.LlamaModel;
import dev.stepwise.text.ChatFormat;
import dev.stepwise.train.LlamaTrainable;
import dev.stepwise.train.SftData;
import dev.stepwise.train.SftExample;
import dev.stepwise.train.SftObjective;
import dev.stepwise.train.TrainSettings;
import dev.stepwise.train.Trainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Trains a decoder into a PRM: SFT on the pointwise step-judge prompt of each labelled step with
 * its verdict as the completion ({@link StepJudgePrompt#example}), so the trained model scores
 * through {@link ModelPrm} like any policy does; and measures a PRM on held-out labelled steps.
 */
public final class PrmTraining {

  private PrmTraining() {}

  /** The SFT examples of the labelled steps. */
  public static List<SftExample> examples(
      List<LabelledStep> steps, ChatFormat chat, StepJudgePrompt prompt) {
    return steps.stream().map(s -> prompt.example(chat, s)).toList();
  }

  /**
   * Trains {@code model} in place on the labelled steps; checkpoints and the final weights go to
   * {@code out} (null: in memory only).
   *
   * @param modelUri where the model was loaded from (a LoRA adapter's base pointer)
   */
  public static Trainer.Result train(
      LlamaModel model,
      Path tokenizerDir,
      String modelUri,
      ChatFormat chat,
      StepJudgePrompt prompt,
      List<LabelledStep> steps,
      TrainSettings settings,
      Trainer.Listener listener,
      Path out)
      throws IOException {
    LlamaTrainable trainable = new LlamaTrainable(model, tokenizerDir, settings, modelUri);
    return new Trainer<>(settings, new SftObjective(), trainable, trainable, listener)
        .groupByLength(SftData::length, 8)
        .train(examples(steps, chat, prompt), out);
  }

  /** AUC and accuracy of {@code prm} on the labelled steps. */
  public static PrmQuality evaluate(Prm prm, List<LabelledStep> steps) {
    List<Double> scores = prm.score(steps.stream().map(LabelledStep::request).toList());
    return PrmQuality.of(scores, steps.stream().map(LabelledStep::correct).toList());
  }
}
