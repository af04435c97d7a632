package dev.stepwise.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;

/**
 * Step-wise DPO over {@link PreferencePair}s. Chosen and rejected rows go through one forward
 * pass (rows 0..B-1 chosen, B..2B-1 rejected); the reference log-probs come precomputed, so no
 * reference model sits in memory.
 */
public record DpoObjective(StepDpoLoss loss, int padId) implements Objective<PreferencePair> {

  @Override
  public Step compute(NDManager manager, CausalLm model, List<PreferencePair> batch) {
    List<TokenBatch.Sequence> rows = new ArrayList<>(batch.size() * 2);
    batch.forEach(p -> rows.add(p.chosen()));
    batch.forEach(p -> rows.add(p.rejected()));
    TokenBatch tokens = TokenBatch.of(manager, rows, padId);
    NDArray sums = tokens.completionLogProbs(model.nextTokenLogProbs(tokens.inputIds()));
    int b = batch.size();
    NDArray refChosen = manager.create(batch.stream().mapToDouble(PreferencePair::refChosenLogp).toArray()).toType(sums.getDataType(), false);
    NDArray refRejected = manager.create(batch.stream().mapToDouble(PreferencePair::refRejectedLogp).toArray()).toType(sums.getDataType(), false);
    StepDpoLoss.Result result =
        loss.compute(
            sums.get("0:" + b),
            sums.get(b + ":"),
            refChosen,
            refRejected,
            tokens.completionTokens().get("0:" + b));
    return new Step(result.loss(), result.metrics());
  }
}
