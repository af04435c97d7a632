package dev.stepwise.text;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders a HF chat template (the Jinja {@code chat_template} of tokenizer_config.json) with
 * jinjava, the way transformers' {@code apply_chat_template} does: trim_blocks and lstrip_blocks
 * on, {@code messages}, {@code add_generation_prompt}, {@code bos_token}, {@code eos_token} and
 * {@code raise_exception} in scope. Without a template the plain format is used: {@code "User:
 * ...\n"} per turn and {@code "Assistant: "} as the generation prompt.
 */
public final class ChatTemplate {
  private static final Jinjava JINJAVA =
      new Jinjava(
          JinjavaConfig.newBuilder()
              .withTrimBlocks(true)
              .withLstripBlocks(true)
              .withFailOnUnknownTokens(false)
              // Jinja (and transformers) print a message's text as it is; jinjava would otherwise
              // interpret "{{" or "{%" inside it, so a sampled step could break the judge prompt.
              .withNestedInterpretationEnabled(false)
              .build());

  static {
    JINJAVA
        .getGlobalContext()
        .registerFunction(
            new ELFunctionDefinition(
                "", "raise_exception", ChatTemplate.class, "raiseException", String.class));
  }

  private final String template;
  private final String bosToken;
  private final String eosToken;

  /**
   * @param template the Jinja source, or null for the plain format
   */
  public ChatTemplate(String template, String bosToken, String eosToken) {
    this.template = template;
    this.bosToken = bosToken == null ? "" : bosToken;
    this.eosToken = eosToken == null ? "" : eosToken;
  }

  public boolean isPlain() {
    return template == null;
  }

  public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
    if (template == null) return renderPlain(messages, addGenerationPrompt);
    Map<String, Object> context = new HashMap<>();
    context.put(
        "messages",
        messages.stream()
            .map(
                m -> {
                  Map<String, Object> map = new LinkedHashMap<>();
                  map.put("role", m.role());
                  map.put("content", m.content());
                  return map;
                })
            .toList());
    context.put("add_generation_prompt", addGenerationPrompt);
    context.put("bos_token", bosToken);
    context.put("eos_token", eosToken);
    RenderResult result = JINJAVA.renderForResult(template, context);
    if (!result.getErrors().isEmpty()) {
      TemplateError error = result.getErrors().get(0);
      Throwable cause = error.getException();
      while (cause != null && cause.getCause() != null) cause = cause.getCause();
      throw new IllegalArgumentException(
          "chat template failed to render: "
              + (cause != null ? cause.getMessage() : error.getMessage()),
          cause);
    }
    return result.getOutput();
  }

  private static String renderPlain(List<ChatMessage> messages, boolean addGenerationPrompt) {
    StringBuilder out = new StringBuilder();
    for (ChatMessage m : messages)
      out.append(Character.toUpperCase(m.role().charAt(0)))
          .append(m.role().substring(1))
          .append(": ")
          .append(m.content())
          .append('\n');
    if (addGenerationPrompt) out.append("Assistant: ");
    return out.toString();
  }

  /** Backs the templates' {@code raise_exception(message)}. */
  public static String raiseException(String message) {
    throw new IllegalArgumentException("chat template raised: " + message);
  }
}
