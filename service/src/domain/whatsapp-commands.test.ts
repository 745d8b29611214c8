import { describe, expect, it } from "vitest";
import { readWhatsAppRequest, whatsAppTexts, type WhatsAppRequest } from "./whatsapp-commands.js";

describe("readWhatsAppRequest", () => {
  it.each<[string, WhatsAppRequest]>([
    ["What is gRPC?", { kind: "chat", text: "What is gRPC?" }],
    ["  padded  \n", { kind: "chat", text: "padded" }],
    ["/new", { kind: "new", text: "" }],
    ["/NEW ", { kind: "new", text: "" }],
    ["/new What is gRPC?", { kind: "new", text: "What is gRPC?" }],
    ["/new\nfirst line\nsecond", { kind: "new", text: "first line\nsecond" }],
    ["/help", { kind: "help" }],
    ["/Help please", { kind: "help" }],
    ["/stop", { kind: "stop" }],
    ["/retry", { kind: "retry" }],
    ["/RETRY please", { kind: "retry" }],
    ["/start", { kind: "unknown-command", name: "start" }],
    ["/etc/hosts is what?", { kind: "chat", text: "/etc/hosts is what?" }],
    ["/shrug at this", { kind: "chat", text: "/shrug at this" }],
    ["/new/thing", { kind: "chat", text: "/new/thing" }],
    ["", { kind: "no-text" }],
    [" \n ", { kind: "no-text" }],
  ])("%j", (body, expected) => {
    expect(readWhatsAppRequest(body)).toEqual(expected);
  });
});

describe("the help text", () => {
  it("lists every command", () => {
    for (const command of ["/new", "/retry", "/stop", "/help"]) expect(whatsAppTexts.help).toContain(command);
    expect(whatsAppTexts.unknownCommand("start")).toContain("/start");
  });
});
