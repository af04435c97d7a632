package dev.stepwise.spark.jobs.multilingual;

import dev.stepwise.generate.Generation;
import dev.stepwise.generate.GenerationRequest;
import dev.stepwise.generate.Generator;
import dev.stepwise.multilingual.ActivationCounts;
import dev.stepwise.multilingual.ActivationRecorder;
import dev.stepwise.multilingual.ResponseSequence;
import dev.stepwise.spark.runtime.ExecutorModels;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.util.SerializableConfiguration;

/**
 * The per-partition work of `stepwise neurons`: force-decode the partition's (prompt, response)
 * sequences through each model and return only their [layers × neurons] activation counts per
 * language. The responses are fixed once (the gold solution, or the FIRST model's greedy answer),
 * so every model is measured on the same tokens, as the before/after comparison needs.
 *
 * <p>Input rows: (id, lang, user turn, gold response or null). Output: one list per partition,
 * element m = model m's counts by language.
 */
record NeuronCounting(
    List<String> modelUris, int batchSize, int maxNewTokens, SerializableConfiguration conf)
    implements FlatMapFunction<Iterator<Row>, ArrayList<HashMap<String, ActivationCounts>>> {

  @Override
  public Iterator<ArrayList<HashMap<String, ActivationCounts>>> call(Iterator<Row> it) {
    List<Row> rows = new ArrayList<>();
    it.forEachRemaining(rows::add);
    ArrayList<HashMap<String, ActivationCounts>> perModel = new ArrayList<>();
    if (rows.isEmpty()) {
      modelUris.forEach(u -> perModel.add(new HashMap<>()));
      return List.of(perModel).iterator();
    }
    Map<String, List<ResponseSequence>> byLang =
        sequences(rows, ExecutorModels.get(modelUris.get(0), conf.value()));
    for (String uri : modelUris) {
      ExecutorModels.Loaded model = ExecutorModels.get(uri, conf.value());
      HashMap<String, ActivationCounts> counts = new HashMap<>();
      byLang.forEach(
          (lang, seqs) ->
              counts.put(lang, ActivationRecorder.record(model.model(), seqs, lang, batchSize)));
      perModel.add(counts);
    }
    return List.of(perModel).iterator();
  }

  /**
   * Prompt = the chat template around the user turn; response = gold + EOS, or the model's greedy
   * answer.
   */
  Map<String, List<ResponseSequence>> sequences(List<Row> rows, ExecutorModels.Loaded first) {
    List<GenerationRequest> requests = new ArrayList<>();
    for (Row r : rows) {
      if (r.isNullAt(3))
        requests.add(
            GenerationRequest.greedy(
                first.chat().prompt(r.getString(2)), maxNewTokens, Set.of(first.chat().eosId())));
    }
    List<Generation> generated =
        requests.isEmpty()
            ? List.of()
            : new Generator(
                    first.model(), ids -> first.chat().tokenizer().decode(ids), null, batchSize)
                .generate(requests);
    Map<String, List<ResponseSequence>> byLang = new LinkedHashMap<>();
    int next = 0;
    for (Row r : rows) {
      int[] response =
          r.isNullAt(3) ? generated.get(next++).tokens() : first.chat().completion(r.getString(3));
      if (response.length == 0) continue;
      byLang
          .computeIfAbsent(r.getString(1), l -> new ArrayList<>())
          .add(new ResponseSequence(first.chat().prompt(r.getString(2)), response));
    }
    return byLang;
  }

  /** Adds partition results model by model, language by language (the reduce of the job). */
  static ArrayList<HashMap<String, ActivationCounts>> merge(
      ArrayList<HashMap<String, ActivationCounts>> a,
      ArrayList<HashMap<String, ActivationCounts>> b) {
    ArrayList<HashMap<String, ActivationCounts>> out = new ArrayList<>();
    for (int m = 0; m < a.size(); m++) {
      HashMap<String, ActivationCounts> sum = new HashMap<>(a.get(m));
      b.get(m).forEach((lang, c) -> sum.merge(lang, c, ActivationCounts::merge));
      out.add(sum);
    }
    return out;
  }
}
