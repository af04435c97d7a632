package dev.stepwise.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;

/** Supervised fine-tuning: mean NLL of the completion tokens (prompt tokens are not learned). */
public record SftObjective(int padId) implements Objective<TokenBatch.Sequence> {

  @Override
  public Step compute(NDManager manager, CausalLm model, List<TokenBatch.Sequence> batch) {
    TokenBatch tokens = TokenBatch.of(manager, batch, padId);
    NDArray logProbs = model.nextTokenLogProbs(tokens.inputIds());
    NDArray loss = TokenNll.meanOverCompletion(logProbs, tokens.completionMask());
    return new Step(loss, Map.of("loss", StepDpoLoss.scalar(loss)));
  }
}
