package dev.stepwise.selfreward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stepwise.judge.JudgePrompt;
import dev.stepwise.judge.StepCheck;
import dev.stepwise.judge.Verdict;
import dev.stepwise.tasks.ArithmeticProblem;
import dev.stepwise.tasks.Language;
import dev.stepwise.tasks.Split;
import dev.stepwise.tasks.TaskConfig;
import dev.stepwise.tasks.TaskExample;
import dev.stepwise.tasks.TaskGenerator;
import dev.stepwise.text.StepFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * Labelling and pairing of the policy's candidates on scripted proposals built from the reference
 * step; the model-backed run is `stepwise sft --policy-eft-problems` (SftCommandTest).
 */
class PolicyEftTest {
  static final TaskGenerator TASKS = new TaskGenerator(TaskConfig.defaults(), 7);
  static final List<Language> LANGS = List.of(Language.EN, Language.ZH);

  /** Candidates from a script given the problem and the index of the step asked for. */
  static StepProposer scripted(
      BiFunction<ArithmeticProblem, Integer, List<String>> script,
      List<StepProposer.Request> seen) {
    return requests -> {
      seen.addAll(requests);
      List<List<Candidate>> out = new ArrayList<>();
      for (StepProposer.Request r : requests) {
        long id = Long.parseLong(r.prompt().id().split("-")[3]);
        int step = r.previousSteps().size();
        out.add(
            script.apply(TASKS.problem(Split.TRAIN, id), step).stream()
                .map(text -> new Candidate(text, 5, StepFormat.isFinal(text)))
                .toList());
      }
      return out;
    };
  }

  static String reference(ArithmeticProblem p, int step) {
    return StepFormat.prefix(step + 1) + p.solutionSteps().get(step);
  }

  /** The reference step with its result off by {@code d} (and the boxed answer with it). */
  static String offBy(ArithmeticProblem p, int step, int d) {
    String right = p.equation(step), result = StepCheck.result(right);
    String wrong = right.substring(0, right.lastIndexOf("= ") + 2) + (Integer.parseInt(result) + d);
    boolean last = step == p.steps().size() - 1;
    return StepFormat.prefix(step + 1)
        + wrong
        + (last ? ". The answer is \\boxed{" + (Integer.parseInt(result) + d) + "}." : "");
  }

  @Test
  void pairsTheMostFrequentWrongCandidateWithARightOne() {
    List<StepProposer.Request> seen = new ArrayList<>();
    PolicyEft eft =
        new PolicyEft(
            TASKS,
            scripted(
                (p, s) ->
                    List.of(
                        offBy(p, s, 1),
                        offBy(p, s, 2),
                        offBy(p, s, 2),
                        reference(p, s),
                        "Step " + (s + 1) + ": I do not know",
                        reference(p, s)),
                seen),
            6,
            11);
    List<TaskExample> examples = eft.examples(Split.TRAIN, 0, 8, LANGS);

    assertThat(examples).hasSize(8);
    assertThat(seen).hasSize(8).allSatisfy(r -> assertThat(r.candidates()).isEqualTo(6));
    for (int i = 0; i < 8; i++) {
      TaskExample e = examples.get(i);
      StepProposer.Request r = seen.get(i);
      ArithmeticProblem p = TASKS.problem(Split.TRAIN, i);
      int step = r.previousSteps().size();
      Verdict better = i % 2 == 0 ? Verdict.A : Verdict.B;
      String good = reference(p, step), bad = offBy(p, step, 2);
      assertThat(e.gold()).isEqualTo(better.name());
      assertThat(e.lang()).isEqualTo(LANGS.get((i / 2) % 2).code());
      assertThat(e.id()).isEqualTo("eft-policy-train-" + i + "-" + e.lang());
      List<String> prefix = new ArrayList<>();
      for (int k = 0; k < step; k++) prefix.add(reference(p, k));
      assertThat(r.previousSteps()).isEqualTo(prefix);
      assertThat(e.prompt())
          .isEqualTo(
              JudgePrompt.build(
                  TASKS.question(Split.TRAIN, i, Language.of(e.lang())),
                  r.previousSteps(),
                  better == Verdict.A ? good : bad,
                  better == Verdict.A ? bad : good));
      assertThat(e.completion())
          .startsWith("Expected: " + p.equation(step) + "\n")
          .endsWith("Verdict: " + better.tag());
      assertThat(Verdict.parse(e.completion())).isEqualTo(better);
    }
  }

  @Test
  void usesTheReferenceStepWhenNoCandidateIsRightAndSkipsProblemsWithoutAUsableWrongStep() {
    List<StepProposer.Request> seen = new ArrayList<>();
    PolicyEft onlyWrong =
        new PolicyEft(
            TASKS, scripted((p, s) -> List.of(offBy(p, s, 3), offBy(p, s, 3)), seen), 2, 11);
    List<TaskExample> examples = onlyWrong.examples(Split.TRAIN, 4, 2, LANGS);
    assertThat(examples).hasSize(2);
    for (TaskExample e : examples) {
      ArithmeticProblem p = TASKS.problem(Split.TRAIN, Long.parseLong(e.id().split("-")[3]));
      int step = seen.get(examples.indexOf(e)).previousSteps().size();
      assertThat(e.prompt()).contains(reference(p, step)).contains(offBy(p, step, 3));
    }

    // All right, a wrong step without an equation, a wrong step with the right result: no pair to
    // make.
    PolicyEft nothing =
        new PolicyEft(
            TASKS,
            scripted(
                (p, s) ->
                    List.of(
                        reference(p, s),
                        "Step " + (s + 1) + ": twelve",
                        reference(p, s).replaceFirst("Step (\\d+): (\\d+)", "Step $1: 1$2")),
                new ArrayList<>()),
            3,
            11);
    assertThat(nothing.examples(Split.TRAIN, 0, 6, LANGS)).isEmpty();
  }

  @Test
  void theInverseCheckPairsAWrongStepWithTheRightResultAndChecksOperandsFirst() {
    // A misread first operand that keeps the right result: the expected check cannot tell it
    // apart (above), the inverse check can, so it becomes a judge example.
    List<StepProposer.Request> seen = new ArrayList<>();
    BiFunction<ArithmeticProblem, Integer, List<String>> script =
        (p, s) ->
            List.of(
                reference(p, s),
                reference(p, s).replaceFirst("Step (\\d+): (\\d+)", "Step $1: 1$2"));
    List<TaskExample> examples =
        new PolicyEft(TASKS.withCheck(StepCheck.INVERSE), scripted(script, seen), 2, 11)
            .examples(Split.TRAIN, 0, 6, LANGS);
    assertThat(examples).hasSize(6);
    for (int i = 0; i < 6; i++) {
      ArithmeticProblem p = TASKS.problem(Split.TRAIN, i);
      int step = seen.get(i).previousSteps().size();
      String right = p.equation(step), operation = right.substring(0, right.indexOf(" ="));
      Verdict better = i % 2 == 0 ? Verdict.A : Verdict.B;
      String good = better == Verdict.A ? "A" : "B", bad = better == Verdict.A ? "B" : "A";
      String[] lines = examples.get(i).completion().split("\n");
      assertThat(lines[0]).isEqualTo("Expected: " + operation);
      assertThat(lines)
          .contains("Check " + bad + ": 1" + operation + " vs " + operation + ", wrong.")
          .anyMatch(
              l ->
                  l.startsWith("Check " + good + ": " + operation + " vs " + operation + ", ")
                      && l.endsWith(", correct."));
      assertThat(lines[3]).isEqualTo("Verdict: " + better.tag());
    }
  }

  @Test
  void theSameSeedAsksForTheSameStepsInAnyChunking() {
    List<StepProposer.Request> whole = new ArrayList<>(), parts = new ArrayList<>();
    BiFunction<ArithmeticProblem, Integer, List<String>> script =
        (p, s) -> List.of(offBy(p, s, 1), reference(p, s));
    List<TaskExample> all =
        new PolicyEft(TASKS, scripted(script, whole), 2, 11).examples(Split.TRAIN, 0, 10, LANGS);
    PolicyEft chunked = new PolicyEft(TASKS, scripted(script, parts), 2, 11);
    List<TaskExample> joined = new ArrayList<>(chunked.examples(Split.TRAIN, 0, 3, LANGS));
    joined.addAll(chunked.examples(Split.TRAIN, 3, 7, LANGS));
    assertThat(joined).isEqualTo(all);
    assertThat(parts.stream().map(r -> r.prompt().seed()).toList())
        .isEqualTo(whole.stream().map(r -> r.prompt().seed()).toList());
    assertThat(whole.stream().map(r -> r.previousSteps().size()).distinct())
        .hasSizeGreaterThan(1); // steps vary by problem
    assertThatThrownBy(() -> new PolicyEft(TASKS, scripted(script, parts), 1, 11))
        .hasMessageContaining("at least 2 candidates");
  }
}
