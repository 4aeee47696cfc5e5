package dev.pypiguard.core.cache;

import dev.pypiguard.core.simple.Negotiation;
import dev.pypiguard.core.simple.ProjectIndex;
import dev.pypiguard.core.simple.ProjectPage;
import dev.pypiguard.core.simple.SimpleFormat;
import dev.pypiguard.core.simple.SimpleHtml;
import dev.pypiguard.core.simple.SimpleJson;
import dev.pypiguard.core.upstream.PageFetch;
import java.net.URI;

/** How one kind of page (the project list or a project page) is parsed and persisted. */
interface PageKind<T> {
  /** Parses an upstream answer in whichever format the upstream chose. */
  T parse(PageFetch.Fetched fetched, String name);

  /** The canonical form, PEP 691 JSON, which is persisted and digested into the version. */
  byte[] canonical(T value);

  T fromCanonical(byte[] json, URI source);

  PageKind<ProjectPage> PROJECT =
      new PageKind<>() {
        @Override
        public ProjectPage parse(PageFetch.Fetched f, String name) {
          return Negotiation.ofContentType(f.contentType()) == SimpleFormat.JSON_V1
              ? SimpleJson.parsePage(f.body(), f.url())
              : SimpleHtml.parsePage(f.body(), f.url(), name);
        }

        @Override
        public byte[] canonical(ProjectPage value) {
          return SimpleJson.render(value);
        }

        @Override
        public ProjectPage fromCanonical(byte[] json, URI source) {
          return SimpleJson.parsePage(json, source);
        }
      };

  PageKind<ProjectIndex> INDEX =
      new PageKind<>() {
        @Override
        public ProjectIndex parse(PageFetch.Fetched f, String name) {
          return Negotiation.ofContentType(f.contentType()) == SimpleFormat.JSON_V1
              ? SimpleJson.parseIndex(f.body())
              : SimpleHtml.parseIndex(f.body());
        }

        @Override
        public byte[] canonical(ProjectIndex value) {
          return SimpleJson.render(value);
        }

        @Override
        public ProjectIndex fromCanonical(byte[] json, URI source) {
          return SimpleJson.parseIndex(json);
        }
      };
}
