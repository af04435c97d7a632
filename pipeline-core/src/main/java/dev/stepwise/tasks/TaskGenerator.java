package dev.stepwise.tasks;

import dev.stepwise.judge.StepCheck;
import dev.stepwise.judge.Verdict;
import dev.stepwise.sampling.Seeds;
import dev.stepwise.search.LabelledSolution;
import dev.stepwise.text.PromptTemplates;
import dev.stepwise.text.StepFormat;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

/**
 * Multi-step arithmetic word problems in the ten MGSM languages, with step-formatted solutions (IFT
 * data) and pairwise step-judge examples (EFT data). Everything about item i of a split comes from
 * Random(seed, split, i, purpose), so any subset, order or partitioning gives the same examples,
 * and item i reads as the same problem in every language.
 */
public final class TaskGenerator {
  private static final long PROBLEM = 1, STORY = 2, EFT = 3;
  private static final int MAX_DRAWS = 100_000;

  private final TaskConfig config;
  private final long seed;
  private final List<Operation> operations;
  private final PromptTemplates templates;
  private final StepCheck check;

  public TaskGenerator(TaskConfig config, long seed) {
    this(config, seed, PromptTemplates.DEFAULT, StepCheck.EXPECTED);
  }

  private TaskGenerator(TaskConfig config, long seed, PromptTemplates templates, StepCheck check) {
    this.config = config;
    this.seed = seed;
    this.operations = List.copyOf(new TreeSet<>(config.operations()));
    this.templates = templates;
    this.check = check;
  }

  /** The same problems, their IFT and EFT prompts rendered with these templates. */
  public TaskGenerator withTemplates(PromptTemplates templates) {
    return new TaskGenerator(config, seed, templates, check);
  }

  /** The same problems, their judge responses and PRM checks written in this check style. */
  public TaskGenerator withCheck(StepCheck check) {
    return new TaskGenerator(config, seed, templates, check);
  }

  /** The check style of the judge responses and PRM checks (stepwise.judge.check). */
  public StepCheck check() {
    return check;
  }

  /**
   * The numbers of item itemId of the split; drawn until the problem's signature hashes into that
   * split.
   */
  public ArithmeticProblem problem(Split split, long itemId) {
    Random rng = Seeds.random(seed, PROBLEM, split.ordinal(), itemId);
    for (int draw = 0; draw < MAX_DRAWS; draw++) {
      ArithmeticProblem p = draw(rng);
      if (p != null && Split.ofSignature(p.signature()) == split) return p;
    }
    throw new IllegalStateException(
        "no "
            + split.label()
            + " problem found in "
            + MAX_DRAWS
            + " draws for "
            + config
            + ": widen the number range or allow more operations");
  }

  /** The word problem of the item in the language. */
  public String question(Split split, long itemId, Language language) {
    return render(problem(split, itemId), split, itemId, language);
  }

  /**
   * Reasoning examples: prompt = instruction + problem, completion = "Step n: ..." lines ending in
   * \boxed{answer}.
   */
  public List<TaskExample> ift(Split split, long firstId, int count, List<Language> languages) {
    List<TaskExample> out = new ArrayList<>();
    for (long id = firstId; id < firstId + count; id++) {
      ArithmeticProblem p = problem(split, id);
      String solution = StepFormat.render(p.solutionSteps());
      for (Language lang : languages)
        out.add(
            new TaskExample(
                exampleId("ift", split, id, lang),
                "ift",
                split.label(),
                lang.code(),
                split.idBase() + id,
                templates.reasoning(render(p, split, id, lang)),
                solution,
                Integer.toString(p.answer())));
    }
    return out;
  }

  /**
   * Step-judge examples: for a random step of the problem, the correct step versus a corrupted one;
   * the correct step is Assistant A for even item ids and B for odd ones, so any run of consecutive
   * ids is balanced. The completion checks both steps, then decides.
   */
  public List<TaskExample> eft(Split split, long firstId, int count, List<Language> languages) {
    List<TaskExample> out = new ArrayList<>();
    for (long id = firstId; id < firstId + count; id++) {
      Contrast c = contrast(split, id);
      Verdict better = id % 2 == 0 ? Verdict.A : Verdict.B;
      String stepA = better == Verdict.A ? c.good : c.bad,
          stepB = better == Verdict.A ? c.bad : c.good;
      String right = c.problem.equation(c.step);
      String response =
          check.response(
              right,
              better == Verdict.A ? right : c.wrong.equation(),
              better == Verdict.A ? c.wrong.equation() : right,
              better);
      for (Language lang : languages)
        out.add(
            new TaskExample(
                exampleId("eft", split, id, lang),
                "eft",
                split.label(),
                lang.code(),
                split.idBase() + id,
                templates.judge(render(c.problem, split, id, lang), c.previous, stepA, stepB),
                response,
                better.name()));
    }
    return out;
  }

  /**
   * Step-labelled solutions for training and evaluating a PRM, from the same corruption as the
   * judge examples: item id's solution up to its seeded step, which is the right step (label true)
   * for even ids and the corrupted one (false) for odd ids; the steps before it are right. Each
   * item is in one language ({@link #pairLanguage}); ids "prm-SPLIT-ID-LANG".
   */
  public List<LabelledSolution> labelledSolutions(
      Split split, long firstId, int count, List<Language> languages) {
    List<LabelledSolution> out = new ArrayList<>();
    for (long id = firstId; id < firstId + count; id++) {
      Contrast c = contrast(split, id);
      boolean right = id % 2 == 0;
      Language lang = pairLanguage(id, languages);
      List<String> steps = new ArrayList<>(c.previous);
      steps.add(right ? c.good : c.bad);
      List<Boolean> labels = new ArrayList<>(Collections.nCopies(c.previous.size(), true));
      labels.add(right);
      List<String> checks = new ArrayList<>();
      for (int k = 0; k <= c.step; k++)
        checks.add(
            check.pointwise(
                c.problem.equation(k),
                k < c.step || right ? c.problem.equation(k) : c.wrong.equation()));
      out.add(
          new LabelledSolution(
              exampleId("prm", split, id, lang),
              lang.code(),
              render(c.problem, split, id, lang),
              steps,
              labels,
              checks));
    }
    return out;
  }

  /** Item id's seeded step: its right line, a corrupted line, and the right lines before it. */
  private record Contrast(
      ArithmeticProblem problem,
      int step,
      Corruption.WrongStep wrong,
      String good,
      String bad,
      List<String> previous) {}

  private Contrast contrast(Split split, long id) {
    ArithmeticProblem p = problem(split, id);
    Random rng = Seeds.random(seed, EFT, split.ordinal(), id);
    int step = rng.nextInt(p.steps().size());
    Corruption.WrongStep wrong = Corruption.corrupt(p, step, config, rng);
    boolean last = step == p.steps().size() - 1;
    String good = StepFormat.prefix(step + 1) + p.solutionSteps().get(step);
    String bad =
        StepFormat.prefix(step + 1)
            + (last
                ? ArithmeticProblem.finalStep(wrong.equation(), wrong.result())
                : wrong.equation());
    List<String> previous = new ArrayList<>();
    for (int k = 0; k < step; k++)
      previous.add(StepFormat.prefix(k + 1) + p.solutionSteps().get(k));
    return new Contrast(p, step, wrong, good, bad, previous);
  }

  /**
   * Step-judge examples of items firstId .. firstId+count-1, each in one language: items 2k and
   * 2k+1 share {@link #pairLanguage}, so A/B stay balanced within every language.
   */
  public List<TaskExample> eftOneLanguageEach(
      Split split, long firstId, int count, List<Language> languages) {
    List<TaskExample> out = new ArrayList<>();
    for (long id = firstId; id < firstId + count; id++)
      out.addAll(eft(split, id, 1, List.of(pairLanguage(id, languages))));
    return out;
  }

  /**
   * The language of judge item id when each item takes one: pairs of ids share one, the languages
   * taking turns.
   */
  public static Language pairLanguage(long id, List<Language> languages) {
    return languages.get((int) ((id / 2) % languages.size()));
  }

  private static String exampleId(String kind, Split split, long id, Language lang) {
    return kind + "-" + split.label() + "-" + id + "-" + lang.code();
  }

  private ArithmeticProblem draw(Random rng) {
    int n =
        config.minOperations() + rng.nextInt(config.maxOperations() - config.minOperations() + 1);
    int start = 1 + rng.nextInt(config.maxNumber()), value = start;
    List<ArithmeticProblem.Step> steps = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ArithmeticProblem.Step step = drawStep(value, rng);
      if (step == null) return null;
      steps.add(step);
      value = step.operation().apply(value, step.operand()).getAsInt();
    }
    return new ArithmeticProblem(start, steps);
  }

  /**
   * An operation and operand valid for the running value (exact, non-negative, within maxValue), or
   * null.
   */
  private ArithmeticProblem.Step drawStep(int value, Random rng) {
    for (int attempt = 0; attempt < 50; attempt++) {
      Operation op = operations.get(rng.nextInt(operations.size()));
      boolean factor = op == Operation.MULTIPLY || op == Operation.DIVIDE;
      int operand =
          factor ? 2 + rng.nextInt(config.maxFactor() - 1) : 1 + rng.nextInt(config.maxNumber());
      var result = op.apply(value, operand);
      if (result.isPresent() && result.getAsInt() <= config.maxValue())
        return new ArithmeticProblem.Step(op, operand);
    }
    return null;
  }

  private String render(ArithmeticProblem p, Split split, long itemId, Language language) {
    Phrasebook book = Phrasebook.of(language);
    Random story = Seeds.random(seed, STORY, split.ordinal(), itemId);
    Phrasebook.Name name = book.names().get(story.nextInt(book.names().size()));
    Phrasebook.Counted item = book.items().get(story.nextInt(book.items().size()));
    List<String> sentences = new ArrayList<>();
    sentences.add(fill(book.start(), book, name, item, p.start()));
    for (ArithmeticProblem.Step s : p.steps()) {
      String template =
          switch (s.operation()) {
            case ADD -> book.add();
            case SUBTRACT -> book.subtract();
            case MULTIPLY -> book.multiply();
            case DIVIDE -> book.divide();
          };
      sentences.add(fill(template, book, name, item, s.operand()));
    }
    sentences.add(fill(book.question(), book, name, item, 0));
    return String.join(book.separator(), sentences);
  }

  private static String fill(
      String template, Phrasebook book, Phrasebook.Name name, Phrasebook.Counted item, int n) {
    return template
        .replace("{name}", name.name())
        .replace("{owner}", name.owner())
        .replace("{items}", item.count(n, book.plural()))
        .replace("{parts}", book.parts().count(n, book.plural()))
        .replace("{what}", item.bare())
        .replace("{n}", Integer.toString(n));
  }
}
