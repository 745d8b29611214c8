/**
 * The Markdown export, for people: each chat's title, model and dates, then each message under a
 * heading with its role (and how it ended, when it did not complete). Message text is written as it
 * is, so code blocks stay code blocks; a fence left open (a reply stopped mid-block) is closed so it
 * does not swallow what follows.
 */
import type { Chat } from "../../domain/chat.js";
import type { StoredMessage } from "./transfer-store.js";

/** Headings: a file of all chats has its own title, so its chats are one level down. */
export interface MarkdownLevels {
  chat: string;
  message: string;
}

export const singleChatLevels: MarkdownLevels = { chat: "#", message: "##" };
export const allChatsLevels: MarkdownLevels = { chat: "##", message: "###" };

export function markdownFileStart(exportedAt: Date): string {
  return `# Parley chats\n\nExported ${formatDate(exportedAt)}.\n`;
}

export function markdownChatStart(chat: Chat, levels: MarkdownLevels, first: boolean): string {
  const separator = first ? "" : "\n---\n";
  return (
    `${separator}\n${levels.chat} ${oneLine(chat.title)}\n\n` +
    `- Model: ${chat.model}\n- Created: ${formatDate(chat.createdAt)}\n- Updated: ${formatDate(chat.updatedAt)}\n`
  );
}

const roleNames = { user: "User", assistant: "Assistant", system: "System" } as const;

export function markdownMessage(message: StoredMessage, levels: MarkdownLevels): string {
  const ended = message.status === "complete" ? "" : ` (${message.status})`;
  const heading = `${levels.message} ${roleNames[message.role]} · ${formatDate(message.createdAt)}${ended}`;
  const body = message.content.trim().length > 0 ? closeFences(message.content.trimEnd()) : "_(no text)_";
  const error = message.error ? `\n\n> ${oneLine(message.error)}` : "";
  return `\n${heading}\n\n${body}${error}\n`;
}

/** `2026-12-03 17:59 UTC`: readable, unambiguous. */
function formatDate(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** Appends the closing fence when the text leaves a ``` or ~~~ block open. */
export function closeFences(text: string): string {
  let open: string | null = null;
  for (const line of text.split("\n")) {
    const fence = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (!fence) continue;
    if (open === null) open = fence;
    else if (fence[0] === open[0] && fence.length >= open.length && line.trim() === fence) open = null;
  }
  return open === null ? text : `${text}\n${open}`;
}
