import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Markdown } from "./Markdown";

const html = (text: string) => renderToStaticMarkup(<Markdown text={text} />);

describe("Markdown", () => {
  it("renders what the coach writes: emphasis, lists, tables, headings, code and links", () => {
    const out = html(
      [
        "**Rest today**, or at most a short, *easy* jog.",
        "",
        "- sleep score 41/100",
        "- slept 4.6 h",
        "",
        "1. warm up",
        "2. 5 × 1 km at `4:10 /km`",
        "",
        "| day | km |",
        "|---|---|",
        "| Tue | 6.75 |",
        "",
        "## This week",
        "See [the taper guide](https://example.org/taper) and _go easy_.",
      ].join("\n"),
    );
    expect(out).toContain("<strong>Rest today</strong>, or at most a short, <em>easy</em> jog.");
    expect(out).toContain("<ul><li>sleep score 41/100</li><li>slept 4.6 h</li></ul>");
    expect(out).toContain("<ol><li>warm up</li><li>5 × 1 km at <code>4:10 /km</code></li></ol>");
    expect(out).toContain("<thead><tr><th>day</th><th>km</th></tr></thead><tbody><tr><td>Tue</td><td>6.75</td></tr></tbody>");
    expect(out).toContain("<h4>This week</h4>");
    expect(out).toContain('<a href="https://example.org/taper" target="_blank" rel="noreferrer noopener">the taper guide</a>');
    expect(out).toContain("<em>go easy</em>");
  });

  it("never renders raw HTML or script links: they stay visible text", () => {
    const out = html('<img src=x onerror="alert(1)"> and [click](javascript:alert(1)) **<b>bold</b>**');
    expect(out).not.toContain("<img");
    expect(out).not.toContain("<b>");
    expect(out).not.toContain('href="javascript');
    expect(out).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(out).toContain("[click](javascript:alert(1))");
    expect(out).toContain("<strong>&lt;b&gt;bold&lt;/b&gt;</strong>");
  });

  it("keeps a grounding mark and line breaks inside a paragraph", () => {
    expect(html("at 142 bpm ⚠\nfor 32.7 km ⚠.")).toContain("<p><span>at 142 bpm ⚠</span><span><br/>for 32.7 km ⚠.</span></p>");
  });
});
