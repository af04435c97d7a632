package dev.stepwise.selfreward;

import ai.djl.ndarray.NDArray;
import dev.stepwise.generate.Generator;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.sampling.FixedSampler;
import dev.stepwise.tasks.Language;
import dev.stepwise.tasks.SftMixture;
import dev.stepwise.tasks.Split;
import dev.stepwise.tasks.TaskGenerator;
import dev.stepwise.text.ChatFormat;
import dev.stepwise.text.PromptTemplates;
import dev.stepwise.train.LlamaTrainable;
import dev.stepwise.train.SftData;
import dev.stepwise.train.SftExample;
import dev.stepwise.train.SftObjective;
import dev.stepwise.train.Shard;
import dev.stepwise.train.TrainSettings;
import dev.stepwise.train.Trainer;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * M0 -> M1 as a list of SFT passes, each starting from the weights the previous one left, with its
 * own optimisation settings and mixture: how many synthetic IFT and EFT problems, and how many
 * judge examples to mine from the model's own candidate steps first ({@link PolicyEft}); examples
 * of similar length are batched together. `stepwise sft` and the loop's sft stage both run it
 * (stepwise.sft; conf/tiny-m1.conf is the recipe of the shipped M1).
 *
 * @param lengthWindow sort by length within windows of this many batches (Trainer#groupByLength)
 */
public record SftRecipe(List<Pass> passes, int lengthWindow, PolicyEftSampling policyEft)
    implements Serializable {

  public SftRecipe {
    if (passes.isEmpty()) throw new IllegalArgumentException("an SFT recipe needs a pass");
    passes = List.copyOf(passes);
  }

  /**
   * One pass.
   *
   * @param iftProblems synthetic reasoning problems in its mixture
   * @param eftProblems synthetic judge problems in its mixture
   * @param policyEftProblems train problems (after the synthetic EFT ones) whose judge examples are
   *     mined from the model as this pass starts; 0 = none
   */
  public record Pass(TrainSettings train, int iftProblems, int eftProblems, int policyEftProblems)
      implements Serializable {
    public Pass {
      if (iftProblems < 0 || eftProblems < 0 || policyEftProblems < 0)
        throw new IllegalArgumentException(
            "problem counts must be >= 0, got "
                + iftProblems
                + ", "
                + eftProblems
                + ", "
                + policyEftProblems);
    }
  }

  /**
   * How the policy's candidate steps are sampled for policy EFT: {@code candidates} per problem,
   * plain temperature sampling over the whole vocabulary (no top-k, top-p 1) so that the policy
   * shows its mistakes, steps as long as the search's.
   */
  public record PolicyEftSampling(int candidates, double temperature, int maxStepTokens)
      implements Serializable {

    /** Pairs of the model's own candidate steps, sampled with these settings. */
    public PolicyEft miner(
        Generator generator,
        ChatFormat chat,
        PromptTemplates templates,
        TaskGenerator tasks,
        long seed) {
      return new PolicyEft(
          tasks,
          new ModelStepProposer(
              generator, chat, templates, new FixedSampler(temperature, 0, 1.0), maxStepTokens),
          candidates,
          seed);
    }
  }

  /** The model being trained, and where it was loaded from (a new LoRA adapter's base). */
  public record Model(LlamaModel model, ChatFormat chat, Path tokenizerDir, String uri) {}

  /** What the caller provides: the data, progress, and each pass's listener. */
  public interface Context {
    /** Pass {@code index}'s mixture, tokenized (the recipe adds the mined policy-EFT examples). */
    List<SftExample> mixture(int index, Pass pass);

    /**
     * Called around every update of the pass named {@code name} (progress, cancellation, averaging
     * of {@code parameters}, the weights it trains); {@code tokensPerStep} is the mean non-padding
     * tokens of one update.
     */
    Trainer.Listener listener(
        String name, TrainSettings settings, double tokensPerStep, Map<String, NDArray> parameters);

    /** One line of progress (mining, example counts). */
    void log(String line);
  }

  /**
   * Runs the passes on {@code m.model()} in order; the last one writes its weights to {@code out}.
   * When {@code resumable}, the passes before it write theirs to {@code out/pass-N} and every pass
   * its {@code checkpoint-N} every save_every updates: a rerun restores a finished earlier pass
   * instead of training (and mining) it again, and continues the others from their latest
   * checkpoint. Otherwise (a Spark task's scratch directory) only the final weights are written.
   *
   * @return the last update's metrics
   */
  public Map<String, Double> train(
      Model m,
      TaskGenerator tasks,
      PromptTemplates templates,
      List<Language> languages,
      Context context,
      Shard shard,
      Path out,
      boolean resumable)
      throws IOException {
    Map<String, Double> last = Map.of();
    for (int i = 0; i < passes.size(); i++) {
      Pass pass = passes.get(i);
      boolean final_ = i == passes.size() - 1;
      Path dir = final_ ? out : resumable ? out.resolve("pass-" + (i + 1)) : null;
      String name = passes.size() == 1 ? "sft" : "sft pass " + (i + 1) + "/" + passes.size();
      // A finished pass before the last is restored; the last always goes to the trainer, which
      // resumes it (and trains on when it was given more steps).
      if (!final_ && Trainer.finished(dir)) {
        new LlamaTrainable(m.model(), m.tokenizerDir(), pass.train(), m.uri()).restore(dir);
        context.log(name + ": finished in " + dir + ", restored");
        continue;
      }
      List<SftExample> examples = new ArrayList<>(context.mixture(i, pass));
      examples.addAll(minePolicyEft(m, tasks, templates, languages, pass, name, context));
      double meanLength = examples.stream().mapToInt(SftData::length).average().orElseThrow();
      TrainSettings settings =
          shard.settings(
              resumable ? pass.train() : pass.train().withoutCheckpoints(), examples.size());
      context.log(
          String.format(
              "%s: %d examples (mean %.0f tokens), %d steps of %d, lr %s",
              name,
              examples.size(),
              meanLength,
              settings.totalSteps(examples.size()),
              settings.batchSize(),
              settings.learningRate()));
      LlamaTrainable trainable = new LlamaTrainable(m.model(), m.tokenizerDir(), settings, m.uri());
      last =
          new Trainer<>(
                  settings,
                  new SftObjective(),
                  trainable,
                  trainable,
                  context.listener(
                      name, settings, meanLength * settings.batchSize(), trainable.parameters()))
              .groupByLength(SftData::length, lengthWindow)
              .train(shard.of(examples), dir)
              .lastMetrics();
    }
    return last;
  }

  /** Judge examples from the model's own candidates as the pass starts, 128 problems at a time. */
  private List<SftExample> minePolicyEft(
      Model m,
      TaskGenerator tasks,
      PromptTemplates templates,
      List<Language> languages,
      Pass pass,
      String name,
      Context context) {
    if (pass.policyEftProblems() == 0) return List.of();
    PolicyEft miner =
        policyEft.miner(
            new Generator(m.model(), m.chat().tokenizer()::decode, null, 64),
            m.chat(),
            templates,
            tasks,
            pass.train().seed());
    long start = System.nanoTime();
    int first = pass.eftProblems(), chunk = 128;
    List<SftExample> out = new ArrayList<>();
    for (int done = 0; done < pass.policyEftProblems(); done += chunk) {
      int count = Math.min(chunk, pass.policyEftProblems() - done);
      out.addAll(
          SftMixture.tokenized(
              miner.examples(Split.TRAIN, first + done, count, languages), m.chat()));
      context.log(
          String.format(
              "%s: policy EFT %d/%d problems, %d pairs, %.0fs",
              name,
              done + count,
              pass.policyEftProblems(),
              out.size(),
              (System.nanoTime() - start) / 1e9));
    }
    return out;
  }
}
