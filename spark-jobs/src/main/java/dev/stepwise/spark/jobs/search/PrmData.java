package dev.stepwise.spark.jobs.search;

import dev.stepwise.sampling.Seeds;
import dev.stepwise.search.LabelledSolution;
import dev.stepwise.spark.config.PrmConfig;
import dev.stepwise.spark.config.TasksConfig;
import dev.stepwise.spark.runtime.StepwiseException;
import dev.stepwise.tasks.Split;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * The labelled solutions a PRM trains on and is measured on: the synthetic task's (train split to
 * train, eft_test split held out), or an imported step-labelled file split by a seeded hash of each
 * solution's id.
 */
public record PrmData(List<LabelledSolution> train, List<LabelledSolution> heldOut, String source) {

  public static PrmData synthetic(TasksConfig tasks, PrmConfig prm) {
    var generator = tasks.generator();
    return new PrmData(
        generator.labelledSolutions(Split.TRAIN, 0, prm.trainProblems(), tasks.languages()),
        generator.labelledSolutions(Split.EFT_TEST, 0, prm.evalProblems(), tasks.languages()),
        "synthetic");
  }

  public static PrmData file(SparkSession spark, String file, PrmConfig prm, long seed) {
    List<LabelledSolution> train = new ArrayList<>(), heldOut = new ArrayList<>();
    for (LabelledSolution s : LabelledFiles.read(spark, file, true)) {
      double u = (Seeds.mix(seed, s.id().hashCode()) >>> 11) / (double) (1L << 53);
      (u < prm.evalFraction() ? heldOut : train).add(s);
    }
    if (train.isEmpty())
      throw new StepwiseException(
          file + ": no solutions left to train on (stepwise.prm.eval_fraction holds out all)");
    return new PrmData(train, heldOut, file);
  }
}
