package dev.stepwise.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stepwise.judge.StepCheck;
import dev.stepwise.judge.Verdict;
import dev.stepwise.search.LabelledSolution;
import dev.stepwise.text.Answers;
import dev.stepwise.text.StepFormat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskGeneratorTest {
  static final Pattern EQUATION = Pattern.compile("(\\d+) ([-+*/]) (\\d+) = (\\d+)");
  final TaskGenerator generator = new TaskGenerator(TaskConfig.defaults(), 7);

  @Test
  void iftSolutionsAreCorrectOneOperationPerStepAndEndBoxed() {
    List<TaskExample> examples = generator.ift(Split.TRAIN, 0, 300, List.of(Language.EN));
    assertThat(examples).hasSize(300);
    for (TaskExample e : examples) {
      List<StepFormat.Step> steps = StepFormat.parse(e.completion());
      assertThat(steps).hasSize(2);
      assertThat(steps.get(1).isFinal()).isTrue();
      assertThat(steps.get(0).isFinal()).isFalse();
      assertThat(Answers.isCorrect(e.completion(), e.gold())).isTrue();
      int previous = -1;
      for (StepFormat.Step s : steps) {
        Matcher m = EQUATION.matcher(s.body());
        assertThat(m.find()).as(s.body()).isTrue();
        int a = Integer.parseInt(m.group(1)),
            b = Integer.parseInt(m.group(3)),
            c = Integer.parseInt(m.group(4));
        if (previous >= 0)
          assertThat(a).as("each step continues from the last result").isEqualTo(previous);
        Operation op = Operation.values()["+-*/".indexOf(m.group(2))];
        assertThat(op.apply(a, b)).hasValue(c);
        assertThat(c).isBetween(0, 100);
        previous = c;
      }
      assertThat(e.prompt()).startsWith("Solve the problem step by step.").contains("Problem: ");
    }
    // All four operations occur with the defaults.
    assertThat(
            examples.stream()
                .flatMap(e -> StepFormat.parse(e.completion()).stream())
                .map(s -> EQUATION.matcher(s.body()).results().findFirst().orElseThrow().group(2))
                .collect(Collectors.toSet()))
        .containsExactlyInAnyOrder("+", "-", "*", "/");
  }

  @Test
  void everyProblemExistsInAllLanguagesWithTheSameNumbers() {
    List<TaskExample> examples = generator.ift(Split.EVAL, 0, 20, Language.all());
    Map<Long, List<TaskExample>> byItem =
        examples.stream().collect(Collectors.groupingBy(TaskExample::parallelId));
    assertThat(byItem).hasSize(20);
    for (List<TaskExample> parallel : byItem.values()) {
      assertThat(parallel)
          .extracting(TaskExample::lang)
          .containsExactlyElementsOf(Language.all().stream().map(Language::code).toList());
      assertThat(parallel).extracting(TaskExample::gold).containsOnly(parallel.get(0).gold());
      assertThat(parallel)
          .extracting(TaskExample::completion)
          .containsOnly(parallel.get(0).completion());
      ArithmeticProblem p =
          generator.problem(Split.EVAL, parallel.get(0).parallelId() - Split.EVAL.idBase());
      for (TaskExample e : parallel) {
        assertThat(numbersIn(e.prompt())).as(e.prompt()).containsAll(operandsOf(p));
      }
    }
    assertThat(generator.question(Split.EVAL, 3, Language.ZH)).containsPattern("[\\u4e00-\\u9fff]");
    assertThat(generator.question(Split.EVAL, 3, Language.TH)).containsPattern("[\\u0e00-\\u0e7f]");
    assertThat(generator.question(Split.EVAL, 3, Language.BN)).containsPattern("[\\u0980-\\u09ff]");
  }

  @Test
  void seededDeterminismAndIndependenceOfOrder() {
    List<TaskExample> a = generator.eft(Split.TRAIN, 0, 50, List.of(Language.DE, Language.JA));
    List<TaskExample> b =
        new TaskGenerator(TaskConfig.defaults(), 7)
            .eft(Split.TRAIN, 0, 50, List.of(Language.DE, Language.JA));
    assertThat(a).isEqualTo(b);
    // Item 30 is the same whether generated alone or within a batch.
    assertThat(generator.eft(Split.TRAIN, 30, 1, List.of(Language.DE)).get(0)).isEqualTo(a.get(60));
    assertThat(
            new TaskGenerator(TaskConfig.defaults(), 8)
                .ift(Split.TRAIN, 0, 50, List.of(Language.EN)))
        .isNotEqualTo(generator.ift(Split.TRAIN, 0, 50, List.of(Language.EN)));
  }

  @Test
  void splitsAreDisjointProblemSets() {
    Set<ArithmeticProblem> train = problems(Split.TRAIN, 3000),
        eval = problems(Split.EVAL, 500),
        test = problems(Split.EFT_TEST, 500);
    assertThat(eval.size()).isGreaterThan(400); // mostly distinct problems
    assertThat(intersection(train, eval)).isEmpty();
    assertThat(intersection(train, test)).isEmpty();
    assertThat(intersection(eval, test)).isEmpty();
  }

  @Test
  void eftPairsAreBalancedAndTheVerdictFollowsTheCheck() {
    List<TaskExample> examples = generator.eft(Split.TRAIN, 0, 400, List.of(Language.EN));
    assertThat(examples.stream().filter(e -> e.gold().equals("A")).count()).isEqualTo(200);
    Set<String> operations = new HashSet<>();
    for (TaskExample e : examples) {
      assertThat(Verdict.parse(e.completion()).name()).isEqualTo(e.gold());
      String[] lines = e.completion().split("\n");
      String expected = lines[0].substring("Expected: ".length());
      String right =
          "Check "
              + e.gold()
              + ": "
              + expected
              + ", "
              + expected.substring(expected.lastIndexOf("= ") + 2)
              + " vs "
              + expected.substring(expected.lastIndexOf("= ") + 2)
              + ", correct.";
      assertThat(lines).contains(right);
      assertThat(lines)
          .filteredOn(l -> l.endsWith(", wrong."))
          .hasSize(1)
          .noneMatch(l -> l.contains(": " + expected + ","));
      String stepA = e.prompt().split("\\[Assistant A's Next Step]\n")[1].split("\n")[0];
      String stepB = e.prompt().split("\\[Assistant B's Next Step]\n")[1];
      String good = e.gold().equals("A") ? stepA : stepB,
          bad = e.gold().equals("A") ? stepB : stepA;
      assertThat(good).contains(expected);
      assertThat(bad).doesNotContain(expected).startsWith(good.substring(0, good.indexOf(':') + 1));
      assertThat(StepFormat.isFinal(good)).isEqualTo(StepFormat.isFinal(bad));
      Matcher g = EQUATION.matcher(good), b = EQUATION.matcher(bad);
      assertThat(g.find() && b.find()).isTrue();
      assertThat(b.group(4)).as("the wrong step's result differs").isNotEqualTo(g.group(4));
      if (!b.group(2).equals(g.group(2))) operations.add("changed");
    }
    assertThat(operations).as("some corruptions change the operation").contains("changed");
  }

  @Test
  void inverseCheckKeepsTheExamplesAndItsVerdictAndPrmLabelsFollowTheCheck() {
    TaskGenerator inverse = generator.withCheck(StepCheck.INVERSE);
    assertThat(inverse.check()).isEqualTo(StepCheck.INVERSE);
    List<TaskExample> expected = generator.eft(Split.TRAIN, 0, 200, List.of(Language.EN)),
        checked = inverse.eft(Split.TRAIN, 0, 200, List.of(Language.EN));
    Set<String> ops = new HashSet<>();
    for (int i = 0; i < expected.size(); i++) {
      TaskExample e = expected.get(i), c = checked.get(i);
      assertThat(List.of(c.id(), c.prompt(), c.gold()))
          .isEqualTo(List.of(e.id(), e.prompt(), e.gold()));
      assertThat(Verdict.parse(c.completion()).name()).isEqualTo(c.gold());
      String[] lines = c.completion().split("\n");
      String operation = lines[0].substring("Expected: ".length());
      assertThat(operation).as("no forward result").doesNotContain("=");
      ops.add(operation.split(" ")[1]);
      assertThat(lines)
          .filteredOn(
              l -> l.startsWith("Check " + c.gold() + ": " + operation + " vs " + operation + ", "))
          .singleElement()
          .satisfies(l -> assertThat(l).endsWith(", correct."));
      assertThat(lines).filteredOn(l -> l.endsWith(", wrong.")).hasSize(1);
    }
    assertThat(ops).containsExactlyInAnyOrder("+", "-", "*", "/");
    List<LabelledSolution> prm = inverse.labelledSolutions(Split.TRAIN, 0, 100, Language.all());
    assertThat(prm)
        .extracting(LabelledSolution::labels)
        .isEqualTo(
            generator.labelledSolutions(Split.TRAIN, 0, 100, Language.all()).stream()
                .map(LabelledSolution::labels)
                .toList());
    for (LabelledSolution l : prm)
      for (int k = 0; k < l.steps().size(); k++)
        assertThat(l.checks().get(k))
            .matches("Expected: \\d+ [-+*/] \\d+\\. Check: .*")
            .endsWith(l.labels().get(k) ? ", correct." : ", wrong.");
  }

  @Test
  void knobsChangeDifficulty() {
    TaskConfig hard =
        new TaskConfig(3, 4, 50, 9, 500, EnumSet.of(Operation.ADD, Operation.MULTIPLY));
    List<TaskExample> examples =
        new TaskGenerator(hard, 1).ift(Split.TRAIN, 0, 100, List.of(Language.EN));
    assertThat(examples)
        .allSatisfy(
            e -> {
              assertThat(StepFormat.parse(e.completion()).size()).isBetween(3, 4);
              assertThat(e.completion()).doesNotContain(" - ").doesNotContain(" / ");
            });
  }

  @Test
  void jsonlRoundTrip(@TempDir Path dir) {
    List<TaskExample> examples = generator.eft(Split.EFT_TEST, 0, 5, Language.all());
    Path file = dir.resolve("eft.jsonl");
    TaskExamples.writeJsonl(examples, file);
    assertThat(TaskExamples.readJsonl(file)).isEqualTo(examples);
    assertThat(file).content().contains("\"parallel_id\":2000000000");
  }

  private Set<ArithmeticProblem> problems(Split split, int n) {
    Set<ArithmeticProblem> out = new HashSet<>();
    for (int i = 0; i < n; i++) out.add(generator.problem(split, i));
    return out;
  }

  private static Set<ArithmeticProblem> intersection(
      Set<ArithmeticProblem> a, Set<ArithmeticProblem> b) {
    Set<ArithmeticProblem> out = new HashSet<>(a);
    out.retainAll(b);
    return out;
  }

  private static List<String> numbersIn(String text) {
    return Pattern.compile("\\d+").matcher(text).results().map(MatchResult::group).toList();
  }

  private static List<String> operandsOf(ArithmeticProblem p) {
    List<String> out = new ArrayList<>(List.of(Integer.toString(p.start())));
    p.steps().forEach(s -> out.add(Integer.toString(s.operand())));
    return out;
  }
}
