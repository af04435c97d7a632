package dev.stepwise.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChatTemplateTest {
  /**
   * Qwen2-Instruct's template as it reads after JSON decoding of tokenizer_config.json ('\n'
   * escapes inside Jinja strings).
   */
  static final String QWEN2 =
      "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
          + "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
          + "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
          + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

  @Test
  void rendersQwenChatMl() {
    ChatTemplate t = new ChatTemplate(QWEN2, null, "<|im_end|>");
    assertThat(t.render(List.of(ChatMessage.user("What is 2 + 3?")), true))
        .isEqualTo(
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                + "<|im_start|>user\nWhat is 2 + 3?<|im_end|>\n<|im_start|>assistant\n");
    assertThat(
            t.render(
                List.of(
                    new ChatMessage("system", "Be brief."),
                    ChatMessage.user("Hi"),
                    ChatMessage.assistant("Hello")),
                false))
        .isEqualTo(
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello<|im_end|>\n");
  }

  /**
   * A message is data, never template source: a step sampled at top-p 1 ("Step 2: {{ 5 {%") went
   * through jinjava's nested interpretation and failed the search with "Unclosed token".
   */
  @Test
  void contentThatLooksLikeJinjaIsRenderedVerbatim() {
    ChatTemplate t = new ChatTemplate(QWEN2, null, "<|im_end|>");
    for (String text : List.of("Step 2: {{ 5 {%", "{{ messages }} and {% if x %}", "{#"))
      assertThat(t.render(List.of(new ChatMessage("system", "s"), ChatMessage.user(text)), false))
          .isEqualTo("<|im_start|>system\ns<|im_end|>\n<|im_start|>user\n" + text + "<|im_end|>\n");
  }

  @Test
  void trimBlocksAndRaiseExceptionBehaveAsInTransformers() {
    String template =
        "{% for m in messages %}\n{% if m['role'] == 'tool' %}{{ raise_exception('no tools') }}{% endif %}\n"
            + "[{{ m['role'] }}] {{ m['content'] }}{{ eos_token }}\n{% endfor %}\n";
    ChatTemplate t = new ChatTemplate(template, "<s>", "</s>");
    assertThat(t.render(List.of(ChatMessage.user("a"), ChatMessage.assistant("b")), false))
        .isEqualTo("[user] a</s>\n[assistant] b</s>\n");
    assertThatThrownBy(() -> t.render(List.of(new ChatMessage("tool", "x")), false))
        .hasMessageContaining("no tools");
  }

  @Test
  void plainFormatWithoutTemplate() {
    ChatTemplate t = new ChatTemplate(null, null, null);
    assertThat(t.isPlain()).isTrue();
    assertThat(t.render(List.of(ChatMessage.user("2+3?")), true))
        .isEqualTo("User: 2+3?\nAssistant: ");
  }
}
