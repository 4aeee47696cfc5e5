package dev.pypiguard.core.simple;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NegotiationTest {
  private static final String PIP =
      "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1,"
          + " text/html; q=0.01";
  private static final String FIREFOX =
      "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

  /** Accept header (NULL for none) and format parameter (NULL for none) to expected format. */
  @ParameterizedTest(name = "[{index}] Accept={0} format={1} -> {2}")
  @CsvSource(
      delimiter = '|',
      nullValues = "NULL",
      textBlock =
          """
          NULL                                                                  | NULL | HTML_LEGACY
          ''                                                                    | NULL | HTML_LEGACY
          '   '                                                                 | NULL | HTML_LEGACY
          garbage                                                               | NULL | HTML_LEGACY
          */*                                                                   | NULL | HTML_LEGACY
          text/*                                                                | NULL | HTML_LEGACY
          application/*                                                         | NULL | HTML_V1
          text/html                                                             | NULL | HTML_LEGACY
          application/vnd.pypi.simple.v1+json                                   | NULL | JSON_V1
          application/vnd.pypi.simple.v1+html                                   | NULL | HTML_V1
          application/vnd.pypi.simple.latest+json                               | NULL | JSON_V1
          application/vnd.pypi.simple.latest+html                               | NULL | HTML_V1
          APPLICATION/VND.PYPI.SIMPLE.V1+JSON                                   | NULL | JSON_V1
          Text/HTML                                                             | NULL | HTML_LEGACY
          text/html, application/vnd.pypi.simple.v1+json                        | NULL | JSON_V1
          text/html;q=0.9, application/vnd.pypi.simple.v1+json;q=0.8            | NULL | HTML_LEGACY
          application/vnd.pypi.simple.v1+json;q=0, */*                          | NULL | HTML_LEGACY
          text/html;q=0, */*                                                    | NULL | HTML_V1
          text/html;q=0, application/vnd.pypi.simple.v1+html;q=0, */*;q=0.5     | NULL | JSON_V1
          */*;q=0.5, application/vnd.pypi.simple.v1+json                        | NULL | JSON_V1
          */*, application/vnd.pypi.simple.v1+json;q=0.5                        | NULL | HTML_LEGACY
          application/*;q=0.2, text/html;q=0.1                                  | NULL | HTML_V1
          application/vnd.pypi.simple.v1+json;q=0                               | NULL | NULL
          text/html;q=0                                                         | NULL | NULL
          image/png                                                             | NULL | NULL
          image/png, garbage                                                    | NULL | NULL
          application/json                                                      | NULL | NULL
          text/html;q=abc                                                       | NULL | HTML_LEGACY
          text/html;q=0.5, application/vnd.pypi.simple.v1+json;q=7              | NULL | JSON_V1
          text/html; charset=utf-8; q=0.4, application/vnd.pypi.simple.v1+html;q=0.3 | NULL | HTML_LEGACY
          'text/html; foo="a,b;q=1"; q=0.2, application/vnd.pypi.simple.v1+json;q=0.3' | NULL | JSON_V1
          application/vnd.pypi.simple.latest+json;q=0.2, application/vnd.pypi.simple.v1+json;q=0.9, text/html;q=0.5 | NULL | JSON_V1
          text/html;Q=0.2, application/vnd.pypi.simple.v1+html;q=0.3            | NULL | HTML_V1
          text/html;q=0.2, text/html;q=0.7, application/vnd.pypi.simple.v1+json;q=0.5 | NULL | HTML_LEGACY
          ,text/html ,, application/vnd.pypi.simple.v1+json ;q=0.5,             | NULL | HTML_LEGACY
          NULL                                 | application/vnd.pypi.simple.v1+json    | JSON_V1
          NULL                                 | application/vnd.pypi.simple.v1 json    | JSON_V1
          text/html                            | application/vnd.pypi.simple.v1+json    | JSON_V1
          text/html                            | application/vnd.pypi.simple.v1 json    | JSON_V1
          application/vnd.pypi.simple.v1+json  | text/html                              | HTML_LEGACY
          application/vnd.pypi.simple.v1+json  | application/vnd.pypi.simple.v1+html    | HTML_V1
          image/png                            | application/vnd.pypi.simple.latest json | JSON_V1
          NULL                                 | application/vnd.pypi.simple.latest+html | HTML_V1
          NULL                                 | APPLICATION/VND.PYPI.SIMPLE.V1+JSON    | JSON_V1
          text/html                            | json                                   | NULL
          text/html                            | application/json                       | NULL
          text/html                            | '  '                                   | HTML_LEGACY
          """)
  void choose_table_expectedFormat(String accept, String format, SimpleFormat expected) {
    assertThat(Negotiation.choose(accept, Optional.ofNullable(format)))
        .isEqualTo(Optional.ofNullable(expected));
  }

  @Test
  void choose_pipHeader_json() {
    assertThat(Negotiation.choose(PIP, Optional.empty())).contains(SimpleFormat.JSON_V1);
  }

  @Test
  void choose_pipHeaderWithJsonExcluded_html() {
    String header =
        "application/vnd.pypi.simple.v1+json;q=0, application/vnd.pypi.simple.v1+html; q=0.1,"
            + " text/html; q=0.01";

    assertThat(Negotiation.choose(header, Optional.empty())).contains(SimpleFormat.HTML_V1);
  }

  @Test
  void choose_browserHeader_textHtml() {
    assertThat(Negotiation.choose(FIREFOX, Optional.empty())).contains(SimpleFormat.HTML_LEGACY);
  }

  @Test
  void choose_curlDefault_textHtml() {
    assertThat(Negotiation.choose("*/*", Optional.empty())).contains(SimpleFormat.HTML_LEGACY);
  }

  @Test
  void upstreamAccept_ownHeader_choosesJsonAndFallsBackInOrder() {
    String accept = Negotiation.upstreamAccept();

    assertThat(accept).startsWith("application/vnd.pypi.simple.v1+json");
    assertThat(Negotiation.choose(accept, Optional.empty())).contains(SimpleFormat.JSON_V1);
    assertThat(Negotiation.choose(accept.replace("+json", "+json;q=0"), Optional.empty()))
        .contains(SimpleFormat.HTML_V1);
  }

  @ParameterizedTest(name = "[{index}] {0} -> {1}")
  @CsvSource(
      delimiter = '|',
      nullValues = "NULL",
      textBlock =
          """
          application/vnd.pypi.simple.v1+json                   | JSON_V1
          application/vnd.pypi.simple.v1+json; charset=utf-8    | JSON_V1
          Application/VND.pypi.simple.latest+JSON               | JSON_V1
          application/json                                      | JSON_V1
          application/vnd.pypi.simple.v1+html                   | HTML_V1
          application/vnd.pypi.simple.latest+html;charset=UTF-8 | HTML_V1
          text/html; charset=utf-8                              | HTML_LEGACY
          text/plain                                            | HTML_LEGACY
          ''                                                    | HTML_LEGACY
          NULL                                                  | HTML_LEGACY
          """)
  void ofContentType_table_expectedFormat(String contentType, SimpleFormat expected) {
    assertThat(Negotiation.ofContentType(contentType)).isEqualTo(expected);
  }
}
