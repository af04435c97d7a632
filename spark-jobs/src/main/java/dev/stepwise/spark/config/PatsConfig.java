package dev.stepwise.spark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.stepwise.sampling.FixedSampler;
import dev.stepwise.sampling.SamplingStrategy;
import dev.stepwise.search.Mode;
import dev.stepwise.search.PatsMethod;
import dev.stepwise.search.PatsSettings;
import dev.stepwise.selfreward.StepText;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * stepwise.pats: PATS and its baselines (docs/methods.md §B), run by {@code stepwise pats} and the
 * {@code pats} stage.
 *
 * @param prm "self" (the policy as its own pointwise step judge) or a PRM checkpoint URI
 * @param problems parallel problems taken (a seeded sample, each in every language it has); 0 = all
 * @param delimiter "" for the step format ({@code Step n:} lines), else the string steps are joined
 *     and stopped by (the reference's "\n\n")
 */
public record PatsConfig(
    String prm,
    SearchPromptsConfig prompts,
    int problems,
    List<PatsMethod> methods,
    PatsSettings settings,
    int maxStepTokens,
    String delimiter,
    double temperature,
    double topP,
    int batchPrompts,
    int generationBatch,
    int partitions,
    boolean inLoop)
    implements Serializable {

  public static final String SELF = "self";

  public static PatsConfig from(Config c) {
    Config p = c.getConfig("stepwise.pats");
    Config w = p.getConfig("widths");
    try {
      List<PatsMethod> methods = new ArrayList<>();
      for (String m : p.getStringList("methods")) methods.add(PatsMethod.parse(m));
      if (methods.isEmpty())
        throw new IllegalArgumentException("config key 'stepwise.pats.methods' is empty");
      return new PatsConfig(
          p.getString("prm"),
          new SearchPromptsConfig(
              p.getString("prompts.source"),
              p.getString("prompts.split"),
              p.getStringList("prompts.languages")),
          p.getInt("problems"),
          List.copyOf(methods),
          new PatsSettings(
              w.getInt("complex"),
              w.getInt("medium"),
              w.getInt("simple"),
              p.getDouble("value_good"),
              p.getDouble("value_low"),
              p.getDouble("value_bad"),
              p.getInt("penalty_times"),
              mode(p.getString("initial_mode")),
              p.getInt("max_iterations"),
              p.getBoolean("filter_garbled")),
          p.getInt("max_step_tokens"),
          p.getString("delimiter"),
          p.getDouble("temperature"),
          p.getDouble("top_p"),
          p.getInt("batch_prompts"),
          p.getInt("generation_batch"),
          p.getInt("partitions"),
          p.getBoolean("in_loop"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException.Generic("stepwise.pats: " + e.getMessage());
    }
  }

  private static Mode mode(String label) {
    for (Mode m : Mode.values()) if (m.label().equals(label)) return m;
    throw new IllegalArgumentException(
        "initial_mode must be complex, medium or simple, found \"" + label + "\"");
  }

  /** Candidate sampling: temperature and top-p, no top-k (the reference's vLLM settings). */
  public SamplingStrategy sampler() {
    return new FixedSampler(temperature, 0, topP);
  }

  /** How steps are laid out: the step format, or the configured delimiter. */
  public StepText.Layout layout() {
    return delimiter.isEmpty() ? StepText.Layout.DEFAULT : StepText.Layout.delimited(delimiter);
  }

  public boolean selfJudging() {
    return prm.equals(SELF);
  }
}
