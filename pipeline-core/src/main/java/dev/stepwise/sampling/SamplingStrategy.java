package dev.stepwise.sampling;

/** Makes the {@link TokenChooser} for one request (one generated sequence). */
@FunctionalInterface
public interface SamplingStrategy {
  TokenChooser newRequest();
}
