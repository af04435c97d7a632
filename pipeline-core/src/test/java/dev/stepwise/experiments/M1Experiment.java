package dev.stepwise.experiments;

import ai.djl.ndarray.NDManager;
import dev.stepwise.eval.HeldOutEval;
import dev.stepwise.generate.Generator;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.model.TinyPreset;
import dev.stepwise.tasks.*;
import dev.stepwise.text.ChatFormat;
import dev.stepwise.text.HfTokenizer;
import dev.stepwise.train.*;
import java.nio.file.*;
import java.util.*;

/** Scratch: trains the tiny preset on IFT+EFT and reports held-out accuracies. */
public class M1Experiment {
  public static void main(String[] a) throws Exception {
    Path dir = Path.of(a[0]);
    int steps = Integer.parseInt(a[1]);
    int ift = Integer.parseInt(a[2]), eft = Integer.parseInt(a[3]);
    double lr = Double.parseDouble(a[4]);
    List<Language> langs = Arrays.stream(a[5].split(",")).map(Language::of).toList();
    Path tok = dir.resolve("tokenizer");
    if (!Files.exists(tok.resolve("tokenizer.json"))) TinyTokenizer.write(tok, TinyTokenizer.DEFAULT_VOCAB_SIZE, 1);
    HfTokenizer tokenizer = HfTokenizer.load(tok);
    ChatFormat chat = new ChatFormat(tokenizer);
    Path init = dir.resolve("init");
    if (!Files.exists(init.resolve("config.json")))
      TinyPreset.writeRandomInit(TinyPreset.config(tokenizer.vocabSize(), null, chat.eosId()), 1, init, tok);
    TaskGenerator gen = new TaskGenerator(TaskConfig.defaults(), 1);
    List<SftExample> data = new ArrayList<>();
    for (int i = 0; i < ift; i++) for (TaskExample e : gen.ift(Split.TRAIN, i, 1, List.of(langs.get(i % langs.size())))) data.add(new SftExample(chat.prompt(e.prompt()), chat.completion(e.completion())));
    for (int i = 0; i < eft; i++) for (TaskExample e : gen.eft(Split.TRAIN, i, 1, List.of(langs.get((i / 2) % langs.size())))) data.add(new SftExample(chat.prompt(e.prompt()), chat.completion(e.completion())));
    System.out.println("examples " + data.size());
    try (NDManager m = NDManager.newBaseManager(); LlamaModel model = Checkpoint.load(init, m)) {
      LlamaTrainable t = new LlamaTrainable(model, tok);
      long t0 = System.nanoTime();
      TrainSettings s = new TrainSettings(32, 1, steps, 0, lr, 0.05, 0.1, 1.0, 0.0, 1, 50, 0);
      new Trainer<>(s, new SftObjective(), t, t, new Trainer.Listener() {
        public void afterStep(long step, long total, Map<String, Double> metrics) {
          if (step % 50 == 0) System.out.printf("step %d loss %.4f  %.2f steps/s%n", step, metrics.get("loss"), step / ((System.nanoTime() - t0) / 1e9));
        }
      }).train(data, dir.resolve("m1"));
      model.setTrainable(false);
      Generator g = new Generator(model, tokenizer::decode, null, 32);
      HeldOutEval ev = new HeldOutEval(g, chat, 96);
      List<HeldOutEval.Item> r = new ArrayList<>(), j = new ArrayList<>();
      for (TaskExample e : gen.ift(Split.EVAL, 0, 40, langs)) r.add(new HeldOutEval.Item(e.id(), e.lang(), e.prompt(), e.gold()));
      for (TaskExample e : gen.eft(Split.EFT_TEST, 0, 40, langs)) j.add(new HeldOutEval.Item(e.id(), e.lang(), e.prompt(), e.gold()));
      var rg = ev.reasoning(r);
      var jg = ev.judging(j);
      System.out.printf("reasoning %.3f judge %.3f%n", HeldOutEval.accuracy(rg), HeldOutEval.accuracy(jg));
      for (int i = 0; i < 3; i++) System.out.println(rg.get(i).item().gold() + " | " + rg.get(i).output());
      for (int i = 0; i < 3; i++) System.out.println(jg.get(i).item().gold() + " | " + jg.get(i).output());
    }
  }
}
