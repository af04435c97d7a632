package dev.stepwise.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import dev.stepwise.generate.Generator;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.tasks.Language;
import dev.stepwise.tasks.Split;
import dev.stepwise.tasks.TaskConfig;
import dev.stepwise.tasks.TaskExample;
import dev.stepwise.tasks.TaskGenerator;
import dev.stepwise.text.ChatFormat;
import dev.stepwise.text.HfTokenizer;
import dev.stepwise.train.CrossProcessReproducibilityTest;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The EDT study's sampling on the shipped M1 (a real trained model), through the generator and the
 * engine-side sampler: each point's temperatures follow its formula, samples are seeded per
 * (problem, sample), and a rerun gives the same text.
 */
class SamplingStudyTest {
  private static NDManager root;
  private static LlamaModel model;
  private static HfTokenizer tokenizer;

  @BeforeAll
  static void load() throws Exception {
    Path dir = CrossProcessReproducibilityTest.shippedM1();
    root = NDManager.newBaseManager();
    model = Checkpoint.load(dir, root);
    tokenizer = HfTokenizer.load(dir);
  }

  @AfterAll
  static void close() {
    tokenizer.close();
    model.close();
    root.close();
  }

  private static List<SamplingStudy.Drawn> draw(List<SamplingPoint> grid, int batch) {
    TaskExample e =
        new TaskGenerator(TaskConfig.defaults(), 42)
            .ift(Split.EVAL, 3, 1, List.of(Language.of("de")))
            .get(0);
    SamplingStudy study =
        new SamplingStudy(
            new Generator(model, tokenizer::decode, null, batch),
            new ChatFormat(tokenizer),
            48,
            42,
            3,
            0.95,
            0.8);
    return study.sample(new HeldOutEval.Item(e.id(), e.lang(), e.prompt(), e.gold()), grid);
  }

  @Test
  void temperaturesFollowEachPointsFormulaOnTheEngine() {
    List<SamplingPoint> grid =
        List.of(
            SamplingPoint.fixed(0.7),
            SamplingPoint.edt("token", 1.0, 1.0),
            SamplingPoint.edt("instance", 1.0, 1.0));
    List<SamplingStudy.Drawn> drawn = draw(grid, 16);
    assertThat(drawn).hasSize(9);
    for (SamplingStudy.Drawn d : drawn) {
      float[] t = d.generation().temperatures(), h = d.generation().entropies();
      // Instance level: the temperature the first token's entropy gives, for the whole sample.
      double instance = h[0] < 1e-6 ? 0 : Math.pow(0.8, 1.0 / h[0]);
      for (int i = 0; i < t.length; i++) {
        double expected =
            switch (d.point().mode()) {
              case "fixed" -> 0.7;
              case "edt-token" -> h[i] < 1e-6 ? 0 : 1.0 * Math.pow(0.8, 1.0 / h[i]); // T0 N^(θ/H)
              default -> instance;
            };
        assertThat((double) t[i])
            .as("%s token %d", d.point().label(), i)
            .isCloseTo(expected, within(1e-5));
      }
      assertThat(d.meanTemperature()).isBetween(0.0, 1.0);
    }
    // EDT cools confident tokens: its mean temperature is below its ceiling T0 = 1.
    assertThat(
            drawn.stream()
                .filter(d -> d.point().isEdt())
                .mapToDouble(SamplingStudy.Drawn::meanTemperature))
        .allMatch(m -> m < 1.0);
  }

  @Test
  void samplesAreSeededPerProblemAndSampleAndRerunIdentically() {
    List<SamplingPoint> grid =
        List.of(SamplingPoint.fixed(1.0), SamplingPoint.edt("token", 0.6, 0.1));
    List<SamplingStudy.Drawn> first = draw(grid, 16), again = draw(grid, 4);
    for (int i = 0; i < first.size(); i++) {
      SamplingStudy.Drawn d = first.get(i);
      assertThat(d.sample()).isEqualTo(i % 3);
      assertThat(d.seed()).isEqualTo(SamplingStudy.seed(42, "ift-eval-3-de", d.sample()));
      assertThat(again.get(i).generation().text()).isEqualTo(d.generation().text());
      assertThat(again.get(i).predicted()).isEqualTo(d.predicted());
    }
    // The same sample index has the same seed under every strategy; different indices differ.
    assertThat(first.get(0).seed())
        .isEqualTo(first.get(3).seed())
        .isNotEqualTo(first.get(1).seed());
  }
}
