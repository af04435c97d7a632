package dev.stepwise.selfreward;

import dev.stepwise.generate.Generation;
import dev.stepwise.generate.GenerationRequest;
import dev.stepwise.generate.Generator;
import dev.stepwise.judge.Verdict;
import dev.stepwise.text.ChatFormat;
import dev.stepwise.text.PromptTemplates;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The policy as its own step judge (docs/methods.md §A, Fig. 5 prompt): greedy decoding of the
 * check and verdict, batched over every pair of every prompt. An unparsable verdict is a tie.
 */
public final class ModelPairJudge implements PairJudge {

  private final Generator generator;
  private final ChatFormat chat;
  private final PromptTemplates templates;
  private final int maxJudgeTokens;

  public ModelPairJudge(
      Generator generator, ChatFormat chat, PromptTemplates templates, int maxJudgeTokens) {
    this.generator = generator;
    this.chat = chat;
    this.templates = templates;
    this.maxJudgeTokens = maxJudgeTokens;
  }

  @Override
  public List<Judgment> judge(List<Request> requests) {
    List<GenerationRequest> generation = new ArrayList<>();
    for (Request r : requests) {
      String prompt =
          templates.judge(r.prompt().question(), r.previousSteps(), r.stepA(), r.stepB());
      generation.add(
          GenerationRequest.greedy(chat.prompt(prompt), maxJudgeTokens, Set.of(chat.eosId())));
    }
    List<Generation> outputs = generator.generate(generation);
    List<Judgment> judgments = new ArrayList<>();
    for (Generation g : outputs) {
      judgments.add(new Judgment(g.text(), Verdict.parse(g.text()), g.tokens().length));
    }
    return judgments;
  }
}
