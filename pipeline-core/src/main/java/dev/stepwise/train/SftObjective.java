package dev.stepwise.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.stepwise.model.Scalars;
import java.util.List;
import java.util.Map;

/**
 * Supervised fine-tuning: mean negative log-likelihood over the completion tokens of the batch
 * (prompt tokens are not learned, so the model learns to answer rather than to repeat prompts).
 */
public final class SftObjective implements Objective<SftExample> {

  @Override
  public Step compute(NDManager scope, CausalLm model, List<SftExample> batch) {
    List<int[]> prompts = batch.stream().map(SftExample::promptIds).toList();
    List<int[]> completions = batch.stream().map(SftExample::completionIds).toList();
    NDArray tokenLogProbs = model.completionTokenLogProbs(scope, prompts, completions);
    int tokens = completions.stream().mapToInt(c -> c.length).sum();
    NDArray loss = Scalars.div(tokenLogProbs.sum().neg(), tokens);
    return new Step(loss, Map.of("loss", StepDpoLoss.scalar(loss)));
  }
}
