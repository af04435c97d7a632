package dev.stepwise.spark.config;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.name.Named;

/**
 * Binds the resolved configuration and one typed record per section. A new section is a record with
 * a {@code from(Config)} factory and one {@code @Provides} method here.
 */
public final class ConfigModule extends AbstractModule {
  private final StepwiseConfig config;

  public ConfigModule(StepwiseConfig config) {
    this.config = config;
  }

  @Override
  protected void configure() {
    bind(StepwiseConfig.class).toInstance(config);
  }

  @Provides
  @Singleton
  RunConfig run() {
    return RunConfig.from(config.raw());
  }

  @Provides
  @Singleton
  SparkConfig spark() {
    return SparkConfig.from(config.raw());
  }

  @Provides
  @Singleton
  ImportConfig importConfig() {
    return ImportConfig.from(config.raw());
  }

  @Provides
  @Singleton
  DemoConfig demo() {
    return DemoConfig.from(config.raw());
  }

  @Provides
  @Singleton
  TasksConfig tasks() {
    return TasksConfig.from(config.raw());
  }

  @Provides
  @Singleton
  ModelConfig model() {
    return ModelConfig.from(config.raw());
  }

  @Provides
  @Singleton
  SelfRewardConfig selfReward() {
    return SelfRewardConfig.from(config.raw());
  }

  @Provides
  @Singleton
  @Named("dpo")
  TrainingConfig dpo() {
    return TrainingConfig.from(config.raw(), "dpo");
  }

  @Provides
  @Singleton
  AlignConfig align() {
    return AlignConfig.from(config.raw());
  }

  @Provides
  @Singleton
  @Named("align")
  TrainingConfig alignTraining() {
    return TrainingConfig.from(config.raw(), "align");
  }

  @Provides
  @Singleton
  NeuronsConfig neurons() {
    return NeuronsConfig.from(config.raw());
  }

  @Provides
  @Singleton
  PromptsConfig prompts() {
    return PromptsConfig.from(config.raw());
  }

  @Provides
  @Singleton
  SftDataConfig sftData(SftConfig sft) {
    return sft.data();
  }

  @Provides
  @Singleton
  SearchPromptsConfig searchPrompts() {
    return SearchPromptsConfig.from(config.raw());
  }

  @Provides
  @Singleton
  SftConfig sft() {
    return SftConfig.from(config.raw());
  }

  @Provides
  @Singleton
  EdtStudyConfig edtStudy() {
    return EdtStudyConfig.from(config.raw());
  }

  @Provides
  @Singleton
  PrmConfig prm() {
    return PrmConfig.from(config.raw());
  }

  @Provides
  @Singleton
  PatsConfig pats() {
    return PatsConfig.from(config.raw());
  }
}
