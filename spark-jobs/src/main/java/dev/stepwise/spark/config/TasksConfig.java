package dev.stepwise.spark.config;

import com.typesafe.config.Config;
import dev.stepwise.judge.StepCheck;
import dev.stepwise.tasks.Language;
import dev.stepwise.tasks.Operation;
import dev.stepwise.tasks.TaskConfig;
import dev.stepwise.tasks.TaskGenerator;
import java.io.Serializable;
import java.util.EnumSet;
import java.util.List;

/**
 * stepwise.tasks: the synthetic problems (SFT data, search prompts, held-out evaluation); and
 * stepwise.judge.check, the check style their judge examples and PRM checks are written in.
 */
public record TasksConfig(
    long seed,
    List<Language> languages,
    TaskConfig difficulty,
    int trainProblems,
    int eftProblems,
    int evalProblems,
    int eftTestProblems,
    StepCheck check)
    implements Serializable {

  public static TasksConfig from(Config c) {
    Config t = c.getConfig("stepwise.tasks");
    List<Language> languages =
        List.copyOf(t.getStringList("languages").stream().map(Language::of).toList());
    TaskConfig difficulty =
        new TaskConfig(
            t.getInt("min_operations"),
            t.getInt("max_operations"),
            t.getInt("max_number"),
            t.getInt("max_factor"),
            t.getInt("max_value"),
            EnumSet.allOf(Operation.class));
    return new TasksConfig(
        t.getLong("seed"),
        languages,
        difficulty,
        t.getInt("train_problems"),
        t.getInt("eft_problems"),
        t.getInt("eval_problems"),
        t.getInt("eft_test_problems"),
        StepCheck.parse(c.getString("stepwise.judge.check")));
  }

  public TaskGenerator generator() {
    return new TaskGenerator(difficulty, seed).withCheck(check);
  }
}
