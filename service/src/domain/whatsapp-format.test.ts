import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { demoReply } from "../simulator/demo-reply.js";
import { toWhatsAppText } from "./whatsapp-format.js";

describe("toWhatsAppText", () => {
  it.each([
    // Emphasis
    ["bold with asterisks", "a **bold** word", "a *bold* word"],
    ["bold with underscores", "a __bold__ word", "a *bold* word"],
    ["italics with an asterisk", "an *italic* word", "an _italic_ word"],
    ["italics with an underscore stay", "an _italic_ word", "an _italic_ word"],
    ["bold italics", "***both***", "*_both_*"],
    ["italics inside bold", "**very *much* so**", "*very _much_ so*"],
    ["bold inside italics", "*a **b** c*", "_a *b* c_"],
    ["strikethrough", "~~gone~~ and ~kept~", "~gone~ and ~kept~"],
    ["bold around punctuation", "**Note:** read this.", "*Note:* read this."],
    ["bold around inline code", "run **`npm test`** first", "run *`npm test`* first"],
    // What looks like emphasis but is not
    ["snake_case words", "set max_retry_count", "set max_retry_count"],
    [
      "dunder names next to a dot",
      "edit __init__.py, read obj.__dict__",
      "edit __init__.py, read obj.__dict__",
    ],
    ["a lone dunder name is Markdown bold", "__init__", "*init*"],
    ["multiplication", "2 * 3 * 4 = 24 and a*b*c", "2 * 3 * 4 = 24 and a*b*c"],
    ["a lone asterisk or underscore", "5* rating, _ alone, x__", "5* rating, _ alone, x__"],
    ["marks not hugging their text", "** not bold ** and _ not it _", "** not bold ** and _ not it _"],
    ["backslash escapes", String.raw`\*literal\* and snake\_case`, "*literal* and snake_case"],
    // Headings and rules
    ["a heading", "# Title", "*Title*"],
    ["a deeper heading with closing hashes", "### Step **one** ###", "*Step one*"],
    ["a heading in a quote", "> ## Quoted", "> *Quoted*"],
    ["an empty heading", "##", ""],
    ["a hashtag is no heading", "#hashtag and C#", "#hashtag and C#"],
    ["a heading indented four spaces is code", "    # comment", "    # comment"],
    ["a horizontal rule", "above\n\n---\n\nbelow", "above\n\n———\n\nbelow"],
    ["other horizontal rules", "***\n_ _ _\n* * *", "———\n———\n———"],
    // Links and images
    ["a link", "see [the docs](https://example.com/docs)", "see the docs (https://example.com/docs)"],
    ["a link whose text is its URL", "[https://a.io](https://a.io)", "https://a.io"],
    ["a link with a title", '[docs](https://a.io "The docs")', "docs (https://a.io)"],
    [
      "a link with parentheses in the URL",
      "[Tide](https://w.org/Tide_(sea))",
      "Tide (https://w.org/Tide_(sea))",
    ],
    ["a link with formatted text", "[**bold** docs](https://a.io)", "*bold* docs (https://a.io)"],
    ["a mailto link", "[me@a.io](mailto:me@a.io)", "me@a.io"],
    ["an image", "![a cat](https://a.io/cat.png)", "a cat (https://a.io/cat.png)"],
    ["an image without alt text", "![](https://a.io/cat.png)", "https://a.io/cat.png"],
    ["an autolink", "<https://a.io/x>", "https://a.io/x"],
    [
      "URLs keep their marks",
      "https://a.io/__x__/*y* [z](https://a.io/__z__)",
      "https://a.io/__x__/*y* z (https://a.io/__z__)",
    ],
    ["a bold URL", "**https://a.io**", "*https://a.io*"],
    ["brackets that are no link", "- [ ] todo and [x] done", "- [ ] todo and [x] done"],
    // Lists and quotes
    ["asterisk and plus bullets", "* one\n+ two\n- three", "- one\n- two\n- three"],
    ["nested bullets keep their indentation", "* a\n  * b\n    + c", "- a\n  - b\n    - c"],
    ["a bullet with emphasis", "* **Key:** value", "- *Key:* value"],
    ["numbered lists stay", "1. one\n2) **two**", "1. one\n2) *two*"],
    ["quotes stay", "> a **quote**\n>> nested", "> a *quote*\n>> nested"],
    ["tables stay", "| a | **b** |\n|---|:-:|", "| a | *b* |\n|---|:-:|"],
    // Code
    ["inline code stays", "use `**x**` or ``a `b` c``", "use `**x**` or ``a `b` c``"],
    ["inline monospace stays", "```**x**``` here", "```**x**``` here"],
    [
      "a code block stays, without its language",
      "```ts\nconst **a** = [x](y); // # no\n* item\n```\n**after**",
      "```\nconst **a** = [x](y); // # no\n* item\n```\n*after*",
    ],
    ["a tilde block becomes a backtick block", "~~~\n~~x~~\n~~~", "```\n~~x~~\n```"],
    ["a longer fence holds a shorter one", "````md\n```\n# x\n````", "```\n```\n# x\n```"],
    [
      "an indented block keeps its indentation",
      "1. run\n   ```sh\n   ls *\n   ```",
      "1. run\n   ```\n   ls *\n   ```",
    ],
    ["a block left open is closed", "try:\n```py\nx = 1", "try:\n```\nx = 1\n```"],
    // Odd input
    ["empty text", "", ""],
    ["unbalanced marks", "**open and *half and ~~none", "**open and *half and ~~none"],
    ["carriage returns", "# Title\r\n**b**\r\n", "*Title*\n*b*\r\n"],
    ["private-use characters", "\uE000 **b**", "\uE000 **b**"],
  ])("%s", (_, markdown, expected) => {
    expect(toWhatsAppText(markdown)).toBe(expected);
  });

  it("converts a real-looking answer", () => {
    const answer = [
      "## Summary",
      "",
      "**gRPC** is an RPC framework by *Google*. See [the docs](https://grpc.io/docs/).",
      "",
      "* Uses `HTTP/2` and __protobuf__",
      "  * streams ~~sometimes~~ always",
      "",
      "1. Define a `.proto` file",
      "2. Generate code:",
      "",
      "```sh",
      "buf generate --template buf.gen.yaml # **not** bold",
      "```",
      "",
      "---",
      "",
      "> Tip: keep_snake_case names as they are.",
    ].join("\n");
    expect(toWhatsAppText(answer)).toBe(
      [
        "*Summary*",
        "",
        "*gRPC* is an RPC framework by _Google_. See the docs (https://grpc.io/docs/).",
        "",
        "- Uses `HTTP/2` and *protobuf*",
        "  - streams ~sometimes~ always",
        "",
        "1. Define a `.proto` file",
        "2. Generate code:",
        "",
        "```",
        "buf generate --template buf.gen.yaml # **not** bold",
        "```",
        "",
        "———",
        "",
        "> Tip: keep_snake_case names as they are.",
      ].join("\n"),
    );
  });

  it("converts the simulator's demo reply, code sketch included", () => {
    const reply = demoReply("How do tides work?");
    expect(reply).toContain("```ts");
    const text = toWhatsAppText(reply);
    expect(text).toMatch(/^_\(simulated reply: Parley is running without an OpenAI API key\)_\n\n/);
    expect(text).toContain("You asked about *How do tides work?*.");
    expect(text).toContain(
      '```\nconst question = "How do tides work?";\nconsole.log(`Thinking about ${question}...`);\n```',
    );
    expect(text).not.toContain("**");
    expect(text.split("\n").filter((line) => line.startsWith("- "))).toHaveLength(3);
  });
});

// Markdown-ish prose: every mark the formatter knows, in every combination, but no backticks (so it
// opens no code span or block of its own).
const prosePiece = fc.constantFrom(
  "word",
  "snake_case",
  " ",
  "\n",
  "\n\n",
  "\r\n",
  "*",
  "**",
  "***",
  "_",
  "__",
  "~",
  "~~",
  "\\",
  "#",
  "# ",
  "- ",
  "* ",
  "+ ",
  "1. ",
  "> ",
  "---",
  "[",
  "]",
  "(",
  ")",
  "![",
  "](https://a.io/x_y)",
  "<https://a.io>",
  "https://a.io/__x__",
  "2 * 3",
  "|",
  "\uE000",
  "é",
  "😀",
);
const prose = fc
  .array(prosePiece, { maxLength: 40 })
  .map((pieces) => pieces.join(""))
  .filter((text) => !/^\s*~~~/m.test(text));
const anyText = fc.oneof(
  prose,
  fc.string({ unit: "grapheme", maxLength: 300 }),
  fc.string({ unit: "binary", maxLength: 300 }),
);
const isClosing = (line: string) => /^\s*(`{3,}|~{3,})\s*$/.test(line);
const codeBlock = fc
  .tuple(
    fc.constantFrom("", "ts", "python", " sh"),
    fc.array(fc.oneof(prose, fc.string({ unit: "grapheme", maxLength: 40 })), { maxLength: 6 }),
  )
  .map(([language, lines]) => ({ language, code: lines.join("\n") }))
  .filter(({ code }) => !code.split("\n").some(isClosing));
const inlineCode = fc.string({ minLength: 1, maxLength: 20 }).filter((code) => !/[`\n\r]/.test(code));

describe("code spans and links", () => {
  it.each([
    // Found by the property below: the image's text ran into a code span, and the code lost `]()`.
    ["![ `]() ` ", "![ `]() ` "],
    ["[see `code`](https://example.com)", "see `code` (https://example.com)"],
  ])("%j → %j", (markdown, expected) => {
    expect(toWhatsAppText(markdown)).toBe(expected);
  });
});

describe("toWhatsAppText, for any text", () => {
  it("never throws and returns a string", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(typeof toWhatsAppText(text)).toBe("string");
      }),
      { numRuns: 2000 },
    );
  });

  it("changes nothing inside code blocks and inline code", () => {
    fc.assert(
      fc.property(prose, codeBlock, inlineCode, prose, (before, block, code, after) => {
        const markdown = `${before}\n\`\`\`${block.language}\n${block.code}\n\`\`\`\n${after} \`${code}\` ${before}`;
        const text = toWhatsAppText(markdown);
        expect(text).toContain(`\n\`\`\`\n${block.code}\n\`\`\`\n`);
        expect(text).toContain(`\`${code}\``);
      }),
      { numRuns: 1000 },
    );
  });
});

// Inputs that took seconds (or, at the sizes a model can write, minutes) when these were regexes that
// backtracked over the whole line from every position. Asserting outputs: before, they did not return in time.
describe("toWhatsAppText, on inputs that were quadratic", () => {
  const spaces = " ".repeat(100_000);

  it("keeps 100 000 spaces inside a heading", () => {
    expect(toWhatsAppText(`# a${spaces}b`)).toBe(`*a${spaces}b*`);
  });

  it("keeps 100 000 spaces and line breaks in prose", () => {
    const text = `a${spaces}b\n${"\n".repeat(100_000)}c${spaces}`;
    expect(toWhatsAppText(text)).toBe(text);
  });

  it("leaves a line of 50 000 unclosed image openings as it is", () => {
    const text = "![".repeat(50_000);
    expect(toWhatsAppText(text)).toBe(text);
  });

  it("still reads images whose text holds balanced brackets", () => {
    expect(toWhatsAppText("![a [b] c](https://x.test/i.png)")).toBe("a [b] c (https://x.test/i.png)");
  });
});
