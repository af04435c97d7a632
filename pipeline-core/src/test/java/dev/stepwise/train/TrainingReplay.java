package dev.stepwise.train;

import ai.djl.ndarray.NDManager;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.CompletionScorer;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.selfreward.StepPairTokens;
import dev.stepwise.tasks.ArithmeticProblem;
import dev.stepwise.tasks.Language;
import dev.stepwise.tasks.Operation;
import dev.stepwise.tasks.SftMixture;
import dev.stepwise.tasks.Split;
import dev.stepwise.tasks.TaskConfig;
import dev.stepwise.tasks.TaskGenerator;
import dev.stepwise.text.ChatFormat;
import dev.stepwise.text.HfTokenizer;
import dev.stepwise.text.PromptTemplates;
import dev.stepwise.text.StepFormat;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;

/**
 * One short SFT and one short step-wise DPO run of a model in this JVM, as the loop's stages train
 * (same trainer, objectives and settings shape), written to {@code OUT/sft} and {@code OUT/dpo},
 * then the DPO as two concurrent workers ({@code OUT/dpo-worker0}, {@code 1}). {@link
 * CrossProcessReproducibilityTest} runs it in two JVMs and compares bytes.
 *
 * <p>Arguments: MODEL_DIR OUT SFT_THREADS DPO_THREADS (torch intra-op threads; the commands train
 * SFT with stepwise.sft.threads = 2 and the loop's DPO tasks with 1).
 */
public final class TrainingReplay {

  public static void main(String[] args) throws Exception {
    Path model = Path.of(args[0]);
    Path out = Path.of(args[1]);
    TaskGenerator tasks =
        new TaskGenerator(new TaskConfig(2, 2, 20, 5, 100, EnumSet.allOf(Operation.class)), 1);
    List<Language> languages = List.of(Language.of("en"), Language.of("de"));
    try (HfTokenizer tokenizer = HfTokenizer.load(model);
        NDManager manager = NDManager.newBaseManager()) {
      ChatFormat chat = new ChatFormat(tokenizer);
      try (LlamaModel m = Checkpoint.load(model, manager)) {
        TorchThreads.set(Integer.parseInt(args[2]));
        LlamaTrainable trainable = new LlamaTrainable(m, model);
        List<SftExample> examples =
            SftMixture.tokenized(
                new SftMixture(languages, 24, 24).taskExamples(tasks, Split.TRAIN), chat);
        new Trainer<>(
                new TrainSettings(8, 1, 12, 0, 1e-3, 0.1, 0.1, 1.0, 0.0, 3, 4, 0, false),
                new SftObjective(),
                trainable,
                trainable,
                new Trainer.Listener() {})
            .train(examples, out.resolve("sft"));
      }
      List<PreferencePair> pairs;
      try (LlamaModel m = Checkpoint.load(model, manager)) {
        pairs = pairs(tasks, chat, m);
      }
      dpo(model, manager, pairs, Integer.parseInt(args[3]), out.resolve("dpo"));
      // Two training tasks in one JVM, as local[N] runs stepwise.train.workers = 2: each on its
      // own thread, model copy and half of the pairs, at the same time.
      List<Thread> workers = new ArrayList<>();
      List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
      for (int w = 0; w < 2; w++) {
        int worker = w;
        List<PreferencePair> shard = new ArrayList<>();
        for (int i = worker; i < pairs.size(); i += 2) shard.add(pairs.get(i));
        Thread t =
            new Thread(
                () -> {
                  try {
                    dpo(
                        model,
                        manager,
                        shard,
                        Integer.parseInt(args[3]),
                        out.resolve("dpo-worker" + worker));
                  } catch (Throwable e) {
                    failures.add(e);
                  }
                });
        workers.add(t);
        t.start();
      }
      for (Thread t : workers) t.join();
      if (!failures.isEmpty()) throw new IllegalStateException(failures.get(0));
    }
  }

  private static void dpo(
      Path model, NDManager manager, List<PreferencePair> pairs, int threads, Path out)
      throws IOException {
    TorchThreads.set(threads);
    try (LlamaModel m = Checkpoint.load(model, manager)) {
      LlamaTrainable trainable = new LlamaTrainable(m, model);
      new Trainer<>(
              new TrainSettings(8, 2, 12, 0, 3e-4, 0.1, 0.1, 1.0, 0.0, 5, 4, 0, false),
              new DpoObjective(new StepDpoLoss(0.1, 0)),
              trainable,
              trainable,
              new Trainer.Listener() {})
          .train(pairs, out);
    }
  }

  /**
   * The first reference step of each problem against the same step with its result off by one,
   * scored by the model itself.
   */
  static List<PreferencePair> pairs(TaskGenerator tasks, ChatFormat chat, LlamaModel model) {
    List<StepPairTokens> tokens = new ArrayList<>();
    for (int item = 0; item < 48; item++) {
      ArithmeticProblem problem = tasks.problem(Split.TRAIN, item);
      String chosen = StepFormat.render(problem.solutionSteps()).lines().findFirst().orElseThrow();
      int result = chosen.lastIndexOf(' ') + 1;
      String rejected =
          chosen.substring(0, result)
              + (Integer.parseInt(chosen.substring(result).replaceAll("\\D", "")) + 1);
      Language lang = Language.of(item % 2 == 0 ? "en" : "de");
      tokens.add(
          StepPairTokens.of(
              chat,
              PromptTemplates.DEFAULT,
              tasks.question(Split.TRAIN, item, lang),
              "",
              chosen,
              rejected));
    }
    List<int[]> prefixes = new ArrayList<>();
    List<int[]> steps = new ArrayList<>();
    for (StepPairTokens t : tokens) {
      prefixes.add(t.prefix());
      steps.add(t.chosen());
      prefixes.add(t.prefix());
      steps.add(t.rejected());
    }
    List<CompletionScorer.Scored> scored = new CompletionScorer(model).score(prefixes, steps);
    List<PreferencePair> pairs = new ArrayList<>();
    for (int i = 0; i < tokens.size(); i++) {
      pairs.add(tokens.get(i).withReference(scored.get(2 * i).sum(), scored.get(2 * i + 1).sum()));
    }
    return pairs;
  }
}
