package dev.stepwise.selfreward;

import dev.stepwise.generate.Generation;
import dev.stepwise.generate.GenerationRequest;
import dev.stepwise.generate.Generator;
import dev.stepwise.sampling.SamplingStrategy;
import dev.stepwise.sampling.Seeds;
import dev.stepwise.text.ChatFormat;
import dev.stepwise.text.PromptTemplates;
import dev.stepwise.text.StepFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Samples candidate next steps from the policy: generation stops where the next {@code "Step n:"}
 * line starts or at EOS, and a step that completes a boxed answer ends there; all candidates of all
 * requests in one batched generation. Candidate c of iteration t of a prompt is seeded from (prompt
 * seed, t, c), so it is the same in any batch.
 */
public final class ModelStepProposer implements StepProposer {

  private final Generator generator;
  private final ChatFormat chat;
  private final PromptTemplates templates;
  private final SamplingStrategy sampling;
  private final int maxStepTokens;
  private final StepText.Layout layout;

  public ModelStepProposer(
      Generator generator,
      ChatFormat chat,
      PromptTemplates templates,
      SamplingStrategy sampling,
      int maxStepTokens) {
    this(generator, chat, templates, sampling, maxStepTokens, StepText.Layout.DEFAULT);
  }

  /** Steps laid out as {@code layout} says (PATS's configurable delimiter). */
  public ModelStepProposer(
      Generator generator,
      ChatFormat chat,
      PromptTemplates templates,
      SamplingStrategy sampling,
      int maxStepTokens,
      StepText.Layout layout) {
    this.layout = layout;
    this.generator = generator;
    this.chat = chat;
    this.templates = templates;
    this.sampling = sampling;
    this.maxStepTokens = maxStepTokens;
  }

  @Override
  public List<List<Candidate>> propose(List<Request> requests) {
    List<GenerationRequest> generation = new ArrayList<>();
    List<Integer> shared = new ArrayList<>(); // the whole prompt: the n candidates share it
    for (Request r : requests) {
      int[] prompt = layout.promptIds(chat, templates, r.prompt().question(), r.previousSteps());
      for (int c = 0; c < r.candidates(); c++) {
        long seed = Seeds.mix(r.prompt().seed(), r.iteration(), c);
        generation.add(
            new GenerationRequest(
                prompt,
                maxStepTokens,
                seed,
                sampling.newRequest(),
                List.of(layout.stop()),
                Set.of(chat.eosId())));
        shared.add(prompt.length);
      }
    }
    List<Generation> outputs =
        generator.generate(generation, shared.stream().mapToInt(Integer::intValue).toArray());
    List<List<Candidate>> out = new ArrayList<>();
    int next = 0;
    for (Request r : requests) {
      List<Candidate> candidates = new ArrayList<>();
      for (int c = 0; c < r.candidates(); c++) {
        Generation g = outputs.get(next++);
        String text = StepText.trimAfterAnswer(g.text().strip());
        boolean isFinal =
            StepFormat.isFinal(text)
                || (layout.eosEndsSolution() && g.finishReason() == Generation.FinishReason.EOS);
        candidates.add(new Candidate(text, g.tokens().length, isFinal));
      }
      out.add(candidates);
    }
    return out;
  }
}
