package dev.stepwise.eval;

import dev.stepwise.generate.Generation;
import dev.stepwise.generate.GenerationRequest;
import dev.stepwise.generate.Generator;
import dev.stepwise.judge.ForcedChoice;
import dev.stepwise.judge.JudgeMode;
import dev.stepwise.judge.Verdict;
import dev.stepwise.text.Answers;
import dev.stepwise.text.ChatFormat;
import dev.stepwise.text.StepFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Greedy evaluation on held-out items: reasoning accuracy (the boxed answer against gold) and
 * step-judge accuracy (the verdict against the known better step). Batched through the generator.
 */
public final class HeldOutEval {

  /** One item to answer: the user turn and what counts as correct ("A"/"B" for judge items). */
  public record Item(String id, String lang, String userTurn, String gold) {}

  /**
   * What the model wrote for an item and whether it was right; a forced choice's verdict has its
   * probability among the two tags (null otherwise).
   */
  public record Graded(
      Item item,
      String output,
      boolean correct,
      int steps,
      int tokens,
      Double verdictProbability) {}

  private final Generator generator;
  private final ChatFormat chat;
  private final int maxNewTokens;

  public HeldOutEval(Generator generator, ChatFormat chat, int maxNewTokens) {
    this.generator = generator;
    this.chat = chat;
    this.maxNewTokens = maxNewTokens;
  }

  /** Solves each problem greedily; correct when the boxed answer equals the gold number. */
  public List<Graded> reasoning(List<Item> items) {
    List<Generation> outputs = generate(items);
    List<Graded> graded = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      Generation g = outputs.get(i);
      graded.add(
          new Graded(
              items.get(i),
              g.text(),
              Answers.isCorrect(g.text(), items.get(i).gold()),
              StepFormat.parse(g.text()).size(),
              g.tokens().length,
              null));
    }
    return graded;
  }

  /** Judges each step pair greedily; correct when the parsed verdict names the better step. */
  public List<Graded> judging(List<Item> items) {
    return judging(items, JudgeMode.GENERATE);
  }

  /**
   * Judges each step pair in {@code mode}; correct when the verdict names the better step. A forced
   * choice writes no tokens; its output is the chosen tag.
   */
  public List<Graded> judging(List<Item> items, JudgeMode mode) {
    if (mode == JudgeMode.FORCED_CHOICE) {
      ForcedChoice judge = new ForcedChoice(generator, chat);
      List<ForcedChoice.Choice> choices =
          judge.choose(
              items.stream().map(i -> judge.promptIds(i.userTurn())).toList(),
              new int[items.size()]);
      List<Graded> graded = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        ForcedChoice.Choice c = choices.get(i);
        graded.add(
            new Graded(
                items.get(i),
                c.text(),
                c.verdict().name().equals(items.get(i).gold()),
                0,
                0,
                c.probability()));
      }
      return graded;
    }
    List<Generation> outputs = generate(items);
    List<Graded> graded = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      Generation g = outputs.get(i);
      Verdict verdict = Verdict.parse(g.text());
      graded.add(
          new Graded(
              items.get(i),
              g.text(),
              verdict.name().equals(items.get(i).gold()),
              0,
              g.tokens().length,
              null));
    }
    return graded;
  }

  private List<Generation> generate(List<Item> items) {
    List<GenerationRequest> requests = new ArrayList<>();
    for (Item item : items) {
      requests.add(
          GenerationRequest.greedy(
              chat.prompt(item.userTurn()), maxNewTokens, Set.of(chat.eosId())));
    }
    return generator.generate(requests);
  }

  /** Share of correct items. */
  public static double accuracy(List<Graded> graded) {
    return graded.isEmpty()
        ? Double.NaN
        : graded.stream().filter(Graded::correct).count() / (double) graded.size();
  }
}
