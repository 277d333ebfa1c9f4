// The coach's answers in Markdown, rendered as React elements — never as HTML: raw HTML in an answer stays
// visible text, and links keep to http(s) with rel=noopener. Covers what the coach writes: paragraphs,
// headings, bullet and numbered lists, tables, **bold**, *italic* / _italic_, `code` and [links](https://…).
import type { ReactNode } from "react";

type Block =
  | { kind: "heading"; level: number; text: string }
  | { kind: "list"; ordered: boolean; items: string[] }
  | { kind: "table"; head: string[]; rows: string[][] }
  | { kind: "para"; lines: string[] };

const BULLET = /^\s*[-*•]\s+(.*)$/;
const NUMBERED = /^\s*\d+[.)]\s+(.*)$/;
const HEADING = /^(#{1,4})\s+(.*)$/;
const TABLE_ROW = /^\s*\|(.*)\|\s*$/;
const TABLE_RULE = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;

function cells(line: string): string[] {
  return (TABLE_ROW.exec(line)?.[1] ?? line).split("|").map((c) => c.trim());
}

export function blocks(text: string): Block[] {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const at = (j: number): string => lines[j] ?? "";
  const out: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = at(i);
    if (!line.trim()) {
      i++;
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      out.push({ kind: "heading", level: (heading[1] ?? "#").length, text: heading[2] ?? "" });
      i++;
      continue;
    }
    if (TABLE_ROW.test(line) && TABLE_RULE.test(at(i + 1))) {
      const head = cells(line);
      const rows: string[][] = [];
      i += 2;
      while (i < lines.length && TABLE_ROW.test(at(i))) rows.push(cells(at(i++)));
      out.push({ kind: "table", head, rows });
      continue;
    }
    if (BULLET.test(line) || NUMBERED.test(line)) {
      const ordered = !BULLET.test(line);
      const pattern = ordered ? NUMBERED : BULLET;
      const items: string[] = [];
      while (i < lines.length && pattern.test(at(i))) items.push(pattern.exec(at(i++))?.[1] ?? "");
      out.push({ kind: "list", ordered, items });
      continue;
    }
    const para: string[] = [];
    const plain = (l: string) =>
      l.trim() !== "" && !HEADING.test(l) && !BULLET.test(l) && !NUMBERED.test(l) && !TABLE_ROW.test(l);
    while (i < lines.length && plain(at(i))) para.push(at(i++));
    if (para.length === 0) para.push(at(i++)); // a lone table-looking line without its rule
    out.push({ kind: "para", lines: para });
  }
  return out;
}

const INLINE = /(\*\*[^*]+\*\*|__[^_]+__|\*[^*\s][^*]*\*|_[^_\s][^_]*_|`[^`]+`|\[[^\]]+\]\([^)\s]+\))/g;

export function inline(text: string, key = ""): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  let n = 0;
  for (const match of text.matchAll(INLINE)) {
    const token = match[0];
    const at = match.index ?? 0;
    if (at > last) out.push(text.slice(last, at));
    const k = `${key}${n++}`;
    if (token.startsWith("**") || token.startsWith("__")) out.push(<strong key={k}>{inline(token.slice(2, -2), k)}</strong>);
    else if (token.startsWith("`")) out.push(<code key={k}>{token.slice(1, -1)}</code>);
    else if (token.startsWith("[")) {
      const [, label, href] = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(token) ?? [];
      out.push(
        /^https?:\/\//i.test(href ?? "") ? (
          <a key={k} href={href} target="_blank" rel="noreferrer noopener">
            {label}
          </a>
        ) : (
          token
        ),
      );
    } else out.push(<em key={k}>{inline(token.slice(1, -1), k)}</em>);
    last = at + token.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

export function Markdown({ text }: { text: string }) {
  return (
    <div className="coach-text md">
      {blocks(text).map((b, i) => {
        if (b.kind === "heading") {
          const Tag = (["h3", "h4", "h5", "h6"] as const)[Math.min(b.level, 4) - 1] ?? "h6";
          return <Tag key={i}>{inline(b.text)}</Tag>;
        }
        if (b.kind === "list") {
          const items = b.items.map((item, j) => <li key={j}>{inline(item)}</li>);
          return b.ordered ? <ol key={i}>{items}</ol> : <ul key={i}>{items}</ul>;
        }
        if (b.kind === "table")
          return (
            <table key={i} className="md-table">
              <thead>
                <tr>
                  {b.head.map((h, j) => (
                    <th key={j}>{inline(h)}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {b.rows.map((row, r) => (
                  <tr key={r}>
                    {row.map((c, j) => (
                      <td key={j}>{inline(c)}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          );
        return (
          <p key={i}>
            {b.lines.map((line, j) => (
              <span key={j}>
                {j > 0 && <br />}
                {inline(line)}
              </span>
            ))}
          </p>
        );
      })}
    </div>
  );
}
