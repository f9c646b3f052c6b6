package io.elspeth.transforms.web;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.util.List;
import org.junit.jupiter.api.Test;

class PageContentTest {
  private static final String PAGE =
      "<html><head><title>T</title><style>p{}</style></head><body>"
          + "<h1>Policy</h1><p>Rates are <b>fixed</b> at <a href=\"/r\">5%</a>.</p>"
          + "<script>alert('x')</script><ul><li>one</li><li>two</li></ul></body></html>";

  @Test
  void textKeepsTheVisibleWordsWithoutScriptsOrStyles() {
    String text = PageContent.extract(PAGE, "text", List.of("script", "style"));
    assertThat(text, is("T Policy Rates are fixed at 5%. one two"));
  }

  @Test
  void markdownKeepsHeadingsEmphasisLinksAndLists() {
    String md = PageContent.extract(PAGE, "markdown", List.of("script", "style"));
    assertThat(md, containsString("# Policy"));
    assertThat(md, containsString("Rates are **fixed** at [5%](/r)."));
    assertThat(md, containsString("* one"));
    assertThat(md, not(containsString("alert")));
  }

  @Test
  void rawIsThePageAsReceived() {
    assertThat(PageContent.extract(PAGE, "raw", List.of("script")), is(PAGE));
  }

  @Test
  void strippedElementsAreConfigurable() {
    // Script and style bodies are never text; stripping decides what else goes.
    assertThat(
        PageContent.extract(PAGE, "text", List.of("ul", "title")),
        is("Policy Rates are fixed at 5%."));
    assertThat(PageContent.extract(PAGE, "raw", List.of("ul")), containsString("<ul>"));
  }

  @Test
  void malformedHtmlStillExtracts() {
    String text =
        PageContent.extract(
            "<div><p>Unclosed <b>bold <table><tr><td>cell</div>" + "\u0000 &bogus;",
            "text",
            List.of());
    assertThat(text, containsString("Unclosed bold"));
    assertThat(text, containsString("cell"));
  }

  @Test
  void contentFingerprintsIgnoreWhitespaceAndFullFingerprintsDoNot() {
    String a = PageContent.fingerprint("a  b\n c", "content");
    assertThat(a, is(PageContent.fingerprint(" a b c ", "content")));
    assertThat(a.length(), is(64));
    assertThat(
        PageContent.fingerprint("a  b", "full"), not(is(PageContent.fingerprint("a b", "full"))));
  }
}
