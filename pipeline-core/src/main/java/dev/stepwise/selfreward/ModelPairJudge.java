package dev.stepwise.selfreward;

import dev.stepwise.generate.Generation;
import dev.stepwise.generate.GenerationRequest;
import dev.stepwise.generate.Generator;
import dev.stepwise.judge.ForcedChoice;
import dev.stepwise.judge.JudgeMode;
import dev.stepwise.judge.Verdict;
import dev.stepwise.text.ChatFormat;
import dev.stepwise.text.PromptTemplates;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The policy as its own step judge (docs/methods.md §A, Fig. 5 prompt), batched over every pair of
 * every prompt: greedy decoding of the check and verdict (an unparsable verdict is a tie), or a
 * forced choice between the verdict tags ({@link JudgeMode}). The prompts of one step share their
 * leading tokens (instruction, question, previous steps), which the generator's prefix cache, when
 * it has one, computes once for all of that step's comparisons.
 */
public final class ModelPairJudge implements PairJudge {

  private final Generator generator;
  private final ChatFormat chat;
  private final PromptTemplates templates;
  private final int maxJudgeTokens;
  private final ForcedChoice forcedChoice;

  public ModelPairJudge(
      Generator generator,
      ChatFormat chat,
      PromptTemplates templates,
      int maxJudgeTokens,
      JudgeMode mode) {
    this.generator = generator;
    this.chat = chat;
    this.templates = templates;
    this.maxJudgeTokens = maxJudgeTokens;
    this.forcedChoice = mode == JudgeMode.FORCED_CHOICE ? new ForcedChoice(generator, chat) : null;
  }

  @Override
  public List<Judgment> judge(List<Request> requests) {
    List<int[]> prompts = new ArrayList<>();
    int[] shared = new int[requests.size()];
    Map<List<Object>, int[]> probes = new HashMap<>();
    for (int i = 0; i < requests.size(); i++) {
      Request r = requests.get(i);
      String question = r.prompt().question();
      int[] ids = ids(templates.judge(question, r.previousSteps(), r.stepA(), r.stepB()));
      // What precedes the candidates: the same for every comparison of this step.
      int[] probe =
          probes.computeIfAbsent(
              List.of(question, r.previousSteps()),
              k -> chat.prompt(templates.judge(question, r.previousSteps(), "", "")));
      prompts.add(ids);
      shared[i] = Generator.commonPrefix(ids, probe);
    }
    List<Judgment> judgments = new ArrayList<>();
    if (forcedChoice != null) {
      for (ForcedChoice.Choice c : forcedChoice.choose(prompts, shared))
        judgments.add(new Judgment(c.text(), c.verdict(), 0, c.probability()));
      return judgments;
    }
    List<GenerationRequest> generation = new ArrayList<>();
    for (int[] ids : prompts)
      generation.add(GenerationRequest.greedy(ids, maxJudgeTokens, Set.of(chat.eosId())));
    for (Generation g : generator.generate(generation, shared))
      judgments.add(new Judgment(g.text(), Verdict.parse(g.text()), g.tokens().length));
    return judgments;
  }

  private int[] ids(String userTurn) {
    return forcedChoice != null ? forcedChoice.promptIds(userTurn) : chat.prompt(userTurn);
  }
}
