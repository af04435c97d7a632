package dev.stepwise.spark.cli;

import dev.stepwise.spark.jobs.multilingual.TranslationPairsJob;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * `stepwise translation-pairs`: the QT data of stepwise.align into <run>/data/translation_pairs.
 */
@Command(
    name = "translation-pairs",
    mixinStandardHelpOptions = true,
    description = {
      "Build X->English question-translation pairs for stepwise.align.languages (docs/methods.md §D)",
      "from synthetic parallel problems and/or imported prompts (stepwise.align.prompts_source)."
    })
public final class TranslationPairsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Override
  public Integer call() {
    TranslationPairsJob.Result result =
        common.injector().getInstance(TranslationPairsJob.class).run();
    MultilingualReports.printPairs(spec.commandLine().getOut(), result);
    return result.total() > 0 ? 0 : 1;
  }
}
