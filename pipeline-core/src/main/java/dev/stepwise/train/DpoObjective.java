package dev.stepwise.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;

/**
 * Step-wise DPO over {@link PreferencePair}s. Chosen and rejected rows go through one forward pass
 * (rows 0..B-1 chosen, B..2B-1 rejected), each scored on the step's tokens only; the reference
 * log-probs come precomputed, so no reference model sits in memory.
 */
public record DpoObjective(StepDpoLoss loss) implements Objective<PreferencePair> {

  @Override
  public Step compute(NDManager scope, CausalLm model, List<PreferencePair> batch) {
    List<int[]> prompts = new ArrayList<>();
    List<int[]> completions = new ArrayList<>();
    batch.forEach(
        p -> {
          prompts.add(p.prefixIds());
          completions.add(p.chosenIds());
        });
    batch.forEach(
        p -> {
          prompts.add(p.prefixIds());
          completions.add(p.rejectedIds());
        });
    NDArray sums = model.completionTokenLogProbs(scope, prompts, completions).sum(new int[] {1});
    int b = batch.size();
    StepDpoLoss.Result result =
        loss.compute(
            sums.get("0:" + b),
            sums.get(b + ":"),
            column(scope, batch.stream().mapToDouble(PreferencePair::refChosenLogp).toArray()),
            column(scope, batch.stream().mapToDouble(PreferencePair::refRejectedLogp).toArray()),
            column(scope, batch.stream().mapToDouble(p -> p.chosenIds().length).toArray()));
    return new Step(result.loss(), result.metrics());
  }

  private static NDArray column(NDManager scope, double[] values) {
    return scope.create(values).toType(DataType.FLOAT32, false);
  }
}
