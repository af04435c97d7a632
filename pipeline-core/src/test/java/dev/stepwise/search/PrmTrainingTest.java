package dev.stepwise.search;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.stepwise.generate.Generator;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.tasks.Language;
import dev.stepwise.tasks.Split;
import dev.stepwise.tasks.TaskConfig;
import dev.stepwise.tasks.TaskGenerator;
import dev.stepwise.text.ChatFormat;
import dev.stepwise.text.HfTokenizer;
import dev.stepwise.train.CrossProcessReproducibilityTest;
import dev.stepwise.train.TrainSettings;
import dev.stepwise.train.Trainer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The shipped M1 trained into a PRM for a few steps on the synthetic task's right and corrupted
 * steps separates them on held-out problems clearly better than chance, and better than before it
 * was taught the check it writes before its verdict.
 */
class PrmTrainingTest {

  static final StepJudgePrompt PROMPT =
      new StepJudgePrompt(
          "Is the last step correct for the question and the previous steps? Answer + or -.\n"
              + "[Question]\n{question}\n[Previous Steps]\n{previous_steps}\n[Step]\n{step}",
          "+",
          "-");

  @Test
  void aFewStepsOfTrainingSeparateRightFromCorruptedSteps() throws Exception {
    Path m1 = CrossProcessReproducibilityTest.shippedM1();
    TaskGenerator tasks = new TaskGenerator(TaskConfig.defaults(), 1);
    List<Language> languages = List.of(Language.of("en"), Language.of("de"));
    List<LabelledStep> train =
        LabelledSolution.steps(tasks.labelledSolutions(Split.TRAIN, 0, 600, languages));
    List<LabelledStep> heldOut =
        LabelledSolution.steps(tasks.labelledSolutions(Split.EFT_TEST, 0, 80, languages));
    try (NDManager manager = NDManager.newBaseManager();
        LlamaModel model = Checkpoint.load(m1, manager);
        HfTokenizer tokenizer = HfTokenizer.load(m1)) {
      ChatFormat chat = new ChatFormat(tokenizer);
      Prm prm =
          new ModelPrm(
              model, chat, PROMPT, 32, new Generator(model, tokenizer::decode, null, 64), 48);
      PrmQuality before = PrmTraining.evaluate(prm, heldOut);
      Trainer.Result result =
          PrmTraining.train(
              model,
              m1,
              m1.toString(),
              chat,
              PROMPT,
              train,
              new TrainSettings(16, 1, 60, 0, 1e-3, 0.05, 0.1, 1.0, 0.0, 7, 10, 0, false),
              new Trainer.Listener() {},
              null);
      model.setTrainable(false);
      PrmQuality after = PrmTraining.evaluate(prm, heldOut);
      assertThat(result.steps()).isEqualTo(60);
      assertThat(after.correctSteps()).isGreaterThan(0);
      assertThat(after.wrongSteps()).isEqualTo(40); // odd items end in a corrupted step
      assertThat(after.auc()).as("after %s, before %s", after, before).isGreaterThan(0.62);
      assertThat(after.auc() - before.auc())
          .as("after %s, before %s", after, before)
          .isGreaterThan(0.05);
    }
  }
}
