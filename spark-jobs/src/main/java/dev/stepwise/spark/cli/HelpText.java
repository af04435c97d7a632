package dev.stepwise.spark.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * Help that reads well at any width: command descriptions are written as short source lines, which
 * picocli would print as they are (ragged); they are joined into paragraphs here and wrapped by
 * picocli at {@link #WIDTH}. A line that starts with spaces (an example command) stays a line of
 * its own, as does a line after one that ends with ':'.
 */
public final class HelpText {
  static final int WIDTH = 100;

  private HelpText() {}

  /** Applies the width and the paragraphs to the command and all its subcommands. */
  public static void apply(CommandLine cl) {
    cl.setUsageHelpWidth(WIDTH);
    UsageMessageSpec usage = cl.getCommandSpec().usageMessage();
    usage.description(paragraphs(usage.description()));
    cl.getSubcommands().values().forEach(HelpText::apply);
  }

  static String[] paragraphs(String[] lines) {
    List<String> out = new ArrayList<>();
    boolean open = false;
    for (String line : lines) {
      boolean own = line.startsWith("  ") || line.isBlank();
      if (open && !own) {
        out.set(out.size() - 1, out.get(out.size() - 1) + " " + line.strip());
      } else {
        out.add(line);
      }
      open = !own && !line.strip().endsWith(":");
    }
    return out.toArray(String[]::new);
  }
}
