package dev.stepwise.spark.runtime;

import java.io.File;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;

/**
 * Spark's log goes to {@code <run>/logs/<time>-<pid>.log} instead of the terminal, where a failing
 * task prints hundreds of lines before stepwise's one-line error. Only for a run on the local file
 * system and only when log4j-core is the logging backend (under spark-submit on a cluster, the
 * cluster's logging stays as it is).
 */
public final class RunLogs {
  private static final String APPENDER = "stepwise-run-log";
  private static volatile String current;

  private RunLogs() {}

  /** The log file of the current run, or null when the log goes where log4j2.properties says. */
  public static String current() {
    return current;
  }

  public static void toRun(RunLayout layout) {
    if (!"file".equals(layout.root().toUri().getScheme())
        || !(LogManager.getContext(false) instanceof LoggerContext context)) {
      return;
    }
    File file =
        new File(
            new File(layout.root().toUri().getPath(), "logs"),
            LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
                + "-"
                + ProcessHandle.current().pid()
                + ".log");
    synchronized (RunLogs.class) {
      Configuration config = context.getConfiguration();
      FileAppender appender =
          FileAppender.newBuilder()
              .setName(APPENDER)
              .withFileName(file.getPath())
              .withAppend(true)
              .setLayout(
                  PatternLayout.newBuilder()
                      .withConfiguration(config)
                      .withPattern("%d{HH:mm:ss.SSS} %p %c{1}: %m%n")
                      .build())
              .setConfiguration(config)
              .build();
      appender.start();
      for (LoggerConfig logger : config.getLoggers().values()) detach(logger);
      detach(config.getRootLogger());
      config.getRootLogger().addAppender(appender, null, null);
      context.updateLoggers();
      current = file.getPath();
    }
  }

  /**
   * Removes the console and an earlier run's file from a logger (one JVM may run several commands).
   */
  private static void detach(LoggerConfig logger) {
    for (Appender a : logger.getAppenders().values()) {
      if (a instanceof ConsoleAppender || a.getName().equals(APPENDER)) {
        logger.removeAppender(a.getName());
        if (a.getName().equals(APPENDER)) a.stop();
      }
    }
  }
}
