package dev.stepwise.spark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.stepwise.multilingual.NeuronSettings;
import dev.stepwise.tasks.Language;
import java.util.List;

/** stepwise.neurons: language-neuron analysis (docs/methods.md §E). */
public record NeuronsConfig(
    List<Language> languages,
    String source,
    int problemsPerLanguage,
    boolean goldResponses,
    int maxNewTokens,
    NeuronSettings settings,
    int batchSize,
    int partitions) {

  public static final String SYNTHETIC = "synthetic";

  public NeuronsConfig {
    if (goldResponses && !SYNTHETIC.equals(source)) {
      throw new IllegalArgumentException(
          "stepwise.neurons.responses = gold needs source = synthetic ("
              + source
              + " has no reference solutions); set responses = generated");
    }
  }

  public static NeuronsConfig from(Config c) {
    Config n = c.getConfig("stepwise.neurons");
    try {
      String responses = n.getString("responses");
      if (!responses.equals("gold") && !responses.equals("generated")) {
        throw new IllegalArgumentException(
            "stepwise.neurons.responses must be gold or generated, got \"" + responses + "\"");
      }
      NeuronSettings settings =
          new NeuronSettings(
              n.getDouble("rate"),
              n.getDouble("tau_percentile"),
              n.getDouble("lambda_max"),
              n.getDouble("lambda_tol"),
              n.getIntList("stages"));
      return new NeuronsConfig(
          n.getStringList("languages").stream().map(Language::of).toList(),
          n.getString("source"),
          n.getInt("problems_per_language"),
          responses.equals("gold"),
          n.getInt("max_new_tokens"),
          settings,
          n.getInt("batch_size"),
          n.getInt("partitions"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException.Generic(e.getMessage());
    }
  }
}
